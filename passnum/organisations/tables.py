import django_tables2 as tables

from .models import Organisation


class OrganisationTable(tables.Table):
    caption = "Organisations du programme"
    name = tables.LinkColumn("organisations:detail", args=[tables.A("pk")], verbose_name="Nom")
    kind = tables.Column(verbose_name="Type")
    side = tables.Column(verbose_name="Côté", default="—")
    front_desk_type = tables.Column(
        verbose_name="Type d'accueil", default="—", order_by=("front_desk_type__position",)
    )
    epci = tables.Column(verbose_name="EPCI", default="—", order_by=("epci__name",))
    commune = tables.Column(verbose_name="Commune", default="—", order_by=("commune__name",))
    active_members = tables.Column(verbose_name="Membres actifs", attrs={"td": {"class": "num"}})
    is_active = tables.BooleanColumn(verbose_name="Active", yesno="Oui,Non")

    class Meta:
        model = Organisation
        fields = [
            "name",
            "kind",
            "side",
            "front_desk_type",
            "epci",
            "commune",
            "active_members",
            "is_active",
        ]
        empty_text = "Aucune organisation ne correspond à ces critères."
