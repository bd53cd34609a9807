"""The APA is the Allocation personnalisée d'autonomie: correct the stored target public's label
(reference data loaded before the fix said "Aide personnalisée d'autonomie")."""

from django.db import migrations

OLD = "Bénéficiaires de l'Aide personnalisée d'autonomie (APA)"
NEW = "Bénéficiaires de l'Allocation personnalisée d'autonomie (APA)"


def forward(apps, schema_editor):
    apps.get_model("programme", "TargetPublic").objects.filter(code="cd12-apa", label=OLD).update(
        label=NEW
    )


def backward(apps, schema_editor):
    apps.get_model("programme", "TargetPublic").objects.filter(code="cd12-apa", label=NEW).update(
        label=OLD
    )


class Migration(migrations.Migration):
    dependencies = [("programme", "0002_territory")]

    operations = [migrations.RunPython(forward, backward)]
