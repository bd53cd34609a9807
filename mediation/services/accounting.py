"""The finance department's export of validated statements (CSV, with the IBAN)."""

import csv
import io
from dataclasses import dataclass, field

from passnum.core.money import format_cents
from passnum.organisations.roles import require_programme_manager

from .. import journal

ACCOUNTING_COLUMNS = [
    "numero_releve",
    "mois",
    "statut",
    "structure",
    "raison_sociale",
    "siret",
    "regie",
    "iban",
    "bic",
    "nombre_cheques",
    "valeur_faciale",
    "frais",
    "net_a_payer",
]


def statements_held_from_accounting(statements) -> list[str]:
    """Rule: a statement whose mediator's bank details await re-validation is left out of the
    accounting export (the others are exported). Returns those mediators' names, sorted."""
    return list(
        statements.filter(mediator__mediator_profile__bank_details_to_confirm=True)
        .order_by("mediator__name")
        .values_list("mediator__name", flat=True)
        .distinct()
    )


@dataclass
class AccountingExport:
    """The accounting CSV and the mediators left out of it (bank details to re-validate)."""

    content: str
    rows: int
    held: list = field(default_factory=list)


def statements_accounting_csv(*, statements, membership) -> AccountingExport:
    """The finance department's export (CSV, « ; », amounts in euros with a comma) of the
    given statements, with the mediators' IBAN. Journaled: it carries bank details. The
    statements of mediators whose bank details await re-validation are left out and named
    (``statements_held_from_accounting``); the others are exported."""
    require_programme_manager(membership)
    held = statements_held_from_accounting(statements)
    statements = statements.exclude(mediator__mediator_profile__bank_details_to_confirm=True)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(ACCOUNTING_COLUMNS)
    rows = 0
    for s in statements.select_related("mediator__mediator_profile").order_by("number"):
        profile = getattr(s.mediator, "mediator_profile", None)
        writer.writerow(
            [
                s.number,
                f"{s.period_start:%Y-%m}",
                s.get_status_display(),
                s.mediator.name,
                profile.legal_name if profile else "",
                profile.siret if profile else "",
                "oui" if profile and profile.is_public_sector else "non",
                profile.iban if profile else "",
                profile.bic if profile else "",
                s.cheque_count,
                format_cents(s.face_value_cents, symbol=False),
                format_cents(s.fees_cents, symbol=False),
                format_cents(s.net_cents, symbol=False),
            ]
        )
        rows += 1
    journal.STATEMENTS_EXPORTED.record(
        actor=membership.user,
        organisation=membership.organisation,
        count=rows,
        held=", ".join(held) or "—",
    )
    return AccountingExport(content=out.getvalue().replace("\u00a0", " "), rows=rows, held=held)
