import django_tables2 as tables

from passnum.core.money import format_number
from passnum.territory.models import Commune


class CommuneTable(tables.Table):
    caption = "Communes de l'Aveyron"
    name = tables.Column(verbose_name="Commune")
    insee_code = tables.Column(verbose_name="Code INSEE")
    postcodes = tables.Column(verbose_name="Codes postaux")
    population = tables.Column(verbose_name="Population", attrs={"td": {"class": "num"}})
    epci = tables.Column(verbose_name="EPCI", order_by=("epci__name",), default="—")

    class Meta:
        model = Commune
        fields = ["name", "insee_code", "postcodes", "population", "epci"]
        empty_text = "Aucune commune ne correspond à cette recherche."

    def render_postcodes(self, value):
        return ", ".join(value.replace("|", " ").split())

    def render_population(self, value):
        return format_number(value)
