"""Operations the project's migrations share. Kept small and stable: migrations are history,
so what is here never changes behaviour once a migration uses it."""

from django.db import migrations


def content_types_move(old: str, new: str, models: list[str]) -> migrations.RunPython:
    """A model moved from app ``old`` to app ``new`` keeps its content type row (and so every
    journal entry that targets it, and its permissions) by renaming the row's app label. A row
    already present under the new label is left alone; the reverse renames back."""

    def _rename(apps, source, target):
        content_type = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if not content_type.objects.filter(app_label=target, model=model).exists():
                content_type.objects.filter(app_label=source, model=model).update(app_label=target)

    return migrations.RunPython(
        lambda apps, schema_editor: _rename(apps, old, new),
        lambda apps, schema_editor: _rename(apps, new, old),
    )
