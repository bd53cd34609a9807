"""The finance department's export of validated statements (CSV, with the IBAN)."""

from dataclasses import dataclass, field
from decimal import Decimal

from passnum.core.exports import csv_text
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
    """The finance department's export (French CSV through ``passnum.core.exports``: « ; »,
    amounts in euros with a decimal comma and no thousands separator, formula cells
    neutralised) of the given statements, with the mediators' IBAN. Journaled: it carries
    bank details. The
    statements of mediators whose bank details await re-validation are left out and named
    (``statements_held_from_accounting``); the others are exported."""
    require_programme_manager(membership)
    held = statements_held_from_accounting(statements)
    statements = statements.exclude(mediator__mediator_profile__bank_details_to_confirm=True)
    lines = []
    for s in statements.select_related("mediator__mediator_profile").order_by("number"):
        profile = getattr(s.mediator, "mediator_profile", None)
        lines.append(
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
                _euros(s.face_value_cents),
                _euros(s.fees_cents),
                _euros(s.net_cents),
            ]
        )
    rows = len(lines)
    journal.STATEMENTS_EXPORTED.record(
        actor=membership.user,
        organisation=membership.organisation,
        count=rows,
        held=", ".join(held) or "—",
    )
    content = csv_text(lines, header=ACCOUNTING_COLUMNS)
    return AccountingExport(content=content, rows=rows, held=held)


def _euros(cents: int) -> Decimal:
    """12345 → Decimal("123.45"), written ``123,45`` by the French CSV."""
    return Decimal(int(cents)).scaleb(-2)
