"""Figures by front-desk type (travailleurs sociaux, MSD, CAF, Mission locale...), from the
chequebook tallies: the chequebooks of the desks of each type."""

from django.db.models import Sum

from ..models import ChequebookTally
from .scope import tally_rows, usage_rate

#: A desk created before types existed, and not edited since.
NO_TYPE = "Type non renseigné"


def by_front_desk_type(filters) -> list[dict]:
    """Per front-desk type, in the types' order: the chequebooks its desks hold (at the desk),
    handed out, started and fully used, cheques handed out and redeemed, and the usage rate
    (``usage_rate``). The dashboard's filters apply as to the breakdown by front desk; the
    programme's stock (no desk) is left out. One query."""
    rows = (
        tally_rows(ChequebookTally, filters)
        .exclude(front_desk_id=None)
        .values(
            "front_desk__front_desk_type_id",
            "front_desk__front_desk_type__label",
            "front_desk__front_desk_type__position",
        )
        .annotate(
            n_at_front_desk=Sum("at_front_desk"),
            n_handed_out=Sum("handed_out"),
            n_started=Sum("started"),
            n_full=Sum("full"),
            n_cheques_handed_out=Sum("cheques_handed_out"),
            n_used=Sum("used"),
        )
    )
    result = []
    for r in rows:
        row = {k.removeprefix("n_"): (v or 0) for k, v in r.items() if k.startswith("n_")}
        row["name"] = r["front_desk__front_desk_type__label"] or NO_TYPE
        row["front_desk_type_id"] = r["front_desk__front_desk_type_id"]
        row["position"] = r["front_desk__front_desk_type__position"]
        row["rate"] = usage_rate(row["used"], row["cheques_handed_out"])
        result.append(row)
    # The types in their order; the desks without a type last.
    return sorted(result, key=lambda r: (r["position"] is None, r["position"] or 0, r["name"]))
