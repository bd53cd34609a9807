"""Tables of the dashboard's breakdowns and of the radar's lists (django-tables2)."""

import django_tables2 as tables
from django.conf import settings
from django.utils.functional import lazy

from passnum.core.money import format_cents, format_number, format_percent

from .selectors.definitions import FIGURE_LABELS


def _idle_label_now() -> str:
    days = settings.PASSNUM_RADAR_STOCK_DAYS
    return "Dont " + FIGURE_LABELS["idle_stock"].format(days=days).lower()


#: "Dont en stock depuis plus de 60 jours" (the radar's idle stock), with today's setting.
_idle_label = lazy(_idle_label_now, str)


def custom_none(render) -> bool:
    """Rates and gains show "—" for an absent value; other columns their default."""
    owner = getattr(render, "__self__", None)
    return isinstance(owner, RateColumn) or getattr(render, "__name__", "") == "render_gain"


def column_default(render) -> str:
    return "—"


class NumberColumn(tables.Column):
    attrs = {"td": {"class": "num"}, "th": {"class": "num"}}

    def render(self, value):
        return format_number(value)

    def value(self, value):
        return value


class EurosColumn(NumberColumn):
    def render(self, value):
        return format_cents(value)

    def value(self, value):
        return round((value or 0) / 100, 2)


class RateColumn(NumberColumn):
    def render(self, value):
        return format_percent(value, 1) if value is not None else "—"

    def value(self, value):
        return "" if value is None else round(value, 4)


class BreakdownTable(tables.Table):
    class Meta:
        orderable = False
        template_name = "tables/table.html"

    def plain_rows(self):
        """The rendered cells, row by row, without django-tables2's per-cell introspection
        (the dashboard renders hundreds of cells; the exports still go through
        passnum.core.exports.table_response)."""
        renderers = []
        for column in self.columns:
            custom = getattr(self, f"render_{column.name}", None)
            renderers.append((column.name, custom or column.column.render))
        for record in self.data:
            yield [
                render(record.get(name)) if record.get(name) is not None or custom_none(render)
                else column_default(render)
                for name, render in renderers
            ]  # fmt: skip


class EpciTable(BreakdownTable):
    name = tables.Column("EPCI")
    target = NumberColumn("Objectif de l'enveloppe", default=None)
    bought = NumberColumn("Achetés sur l'enveloppe")
    at_front_desk = NumberColumn("Enveloppe : en stock aux accueils")
    handed_out = NumberColumn("Remis aux habitants")
    started = NumberColumn("Habitants : commencés")
    full = NumberColumn("Habitants : entièrement utilisés")
    used = NumberColumn("Habitants : chèques encaissés")
    rate = RateColumn("Habitants : taux d'utilisation")
    paid = EurosColumn("Habitants : payé aux médiateurs")

    class Meta(BreakdownTable.Meta):
        caption = "Par EPCI"


class PublicTable(BreakdownTable):
    name = tables.Column("Public cible")
    handed_out = NumberColumn("Remis")
    started = NumberColumn("Commencés")
    full = NumberColumn("Entièrement utilisés")
    used = NumberColumn("Chèques encaissés")
    rate = RateColumn("Taux d'utilisation")

    class Meta(BreakdownTable.Meta):
        caption = "Par public cible"


class FrontDeskTable(BreakdownTable):
    name = tables.Column("Accueil")
    at_front_desk = NumberColumn(FIGURE_LABELS["stock_at_desk"])
    stale_stock = NumberColumn(_idle_label())
    handed_out = NumberColumn("Remis")
    started = NumberColumn("Commencés")
    not_started = NumberColumn("Jamais commencés (radar)")
    rate = RateColumn("Taux d'utilisation")

    class Meta(BreakdownTable.Meta):
        caption = "Par accueil"


class MediatorTable(BreakdownTable):
    name = tables.Column("Acteur de médiation")
    referrals = NumberColumn("Orientations reçues")
    accepted = NumberColumn("Acceptées")
    overdue = NumberColumn("En attente (radar)")
    redemptions = NumberColumn("Chèques encaissés")
    paid = EurosColumn("Payé")

    class Meta(BreakdownTable.Meta):
        caption = "Par acteur de médiation"


class MonthTable(BreakdownTable):
    month = tables.Column("Mois")
    handed_out = NumberColumn("Chéquiers remis")
    redeemed = NumberColumn("Chèques encaissés")
    paid = EurosColumn("Payé (relevés payés)")

    class Meta(BreakdownTable.Meta):
        caption = "Par mois"

    def render_month(self, value):
        return value.strftime("%m/%Y")

    def value_month(self, value):
        return value.strftime("%Y-%m")


class LevelTable(BreakdownTable):
    level = tables.Column("Niveau à la première évaluation")
    people = NumberColumn("Personnes")
    reassessed = NumberColumn("Réévaluées")
    gain = tables.Column("Gain moyen de score", attrs={"td": {"class": "num"}})

    class Meta(BreakdownTable.Meta):
        caption = "Autonomie numérique"

    def render_gain(self, value):
        return f"{value:+.1f}".replace(".", ",") if value is not None else "—"

    def value_gain(self, value):
        return "" if value is None else round(value, 2)


class FrontDeskTypeTable(BreakdownTable):
    name = tables.Column("Type d'accueil")
    at_front_desk = NumberColumn("En stock aux accueils")
    handed_out = NumberColumn("Remis")
    started = NumberColumn("Commencés")
    full = NumberColumn("Entièrement utilisés")
    cheques_handed_out = NumberColumn("Chèques remis")
    used = NumberColumn("Chèques encaissés")
    rate = RateColumn("Taux d'utilisation")

    class Meta(BreakdownTable.Meta):
        caption = "Par type d'accueil"


BREAKDOWNS = {
    "epci": ("Par EPCI", EpciTable),
    "publics": ("Par public cible", PublicTable),
    "accueils": ("Par accueil", FrontDeskTable),
    "types-accueil": ("Par type d'accueil", FrontDeskTypeTable),
    "mediateurs": ("Par acteur de médiation", MediatorTable),
    "mois": ("Par mois", MonthTable),
    "autonomie": ("Autonomie numérique", LevelTable),
}


class StateReportTable(tables.Table):
    """The State version of a periodic report, one figure a line (its XLSX)."""

    section = tables.Column("Rubrique")
    label = tables.Column("Indicateur")
    value = tables.Column("Valeur", default="")
    unit = tables.Column("Unité")

    class Meta:
        orderable = False
        template_name = "tables/table.html"
        caption = "Rapport pour l'État"


class StaleStockTable(tables.Table):
    number = tables.Column("Chéquier")
    vintage = tables.Column("Millésime", accessor="vintage__year")
    holder = tables.Column("Accueil")
    allocated_at = tables.DateColumn(format="d/m/Y", verbose_name="Attribué le")
    envelope = tables.Column("Enveloppe")

    class Meta:
        orderable = False
        template_name = "tables/table.html"
        caption = "Stock ancien"
