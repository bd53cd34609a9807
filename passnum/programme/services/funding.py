"""Calls for funds and payments received: what each funder was asked to pay, per year, and
what it paid. Amounts in cents; every write journaled."""

import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from passnum.core.money import format_cents
from passnum.organisations.roles import require_programme_manager
from passnum.pdf import render_pdf, sha256

from .. import journal
from ..models import FundCall, Funder, FundPayment
from ..selectors import funding_balance

MANAGER_ONLY = "Seul un gestionnaire du programme gère les appels de fonds."


def _funding_check(*, funder: Funder, year, reference: str, amount_cents, model) -> str:
    """Rules shared by calls and payments: a year of the programme (its years, the year after
    them, or a year of one of its vintages), an amount above zero, a reference given and not
    used twice for the funder."""
    errors = {}
    programme = funder.programme
    in_programme = year is not None and (
        programme.start_year <= year <= programme.end_year + 1
        or programme.vintages.filter(year=year).exists()
    )
    if not in_programme:
        errors["year"] = (
            f"Choisissez une année du programme ({programme.start_year} à "
            f"{programme.end_year + 1}) ou d'un de ses millésimes."
        )
    if amount_cents is None or amount_cents <= 0:
        errors["amount_cents"] = "Le montant doit être supérieur à zéro."
    reference = (reference or "").strip()
    if not reference:
        errors["reference"] = "Donnez une référence."
    elif model.objects.filter(funder=funder, reference__iexact=reference).exists():
        errors["reference"] = "Cette référence est déjà utilisée pour ce financeur."
    if errors:
        raise ValidationError(errors)
    return reference


def fund_call_issue(
    *, membership, funder: Funder, year: int, reference: str, called_on: datetime.date,
    amount_cents: int, label: str = "",
) -> FundCall:  # fmt: skip
    """A programme manager issues a call for funds to a funder for a year: its PDF (the
    balance due then, this call included) is rendered once from
    ``programme/pdf/fund_call.html`` and kept with its SHA-256. Rules: managers only; see
    ``_funding_check``. Journaled."""
    require_programme_manager(membership, MANAGER_ONLY)
    reference = _funding_check(
        funder=funder, year=year, reference=reference, amount_cents=amount_cents, model=FundCall
    )
    try:
        with transaction.atomic():
            call = FundCall.objects.create(
                funder=funder, year=year, reference=reference, called_on=called_on,
                amount_cents=amount_cents, label=label.strip(), created_by=membership.user,
            )  # fmt: skip
            balance = funding_balance(funder=funder, year=year)
            pdf = render_pdf(
                "programme/pdf/fund_call.html",
                {"call": call, "funder": funder, "programme": funder.programme,
                 "balance": balance},
                title=str(call),
                created=_noon(called_on),
            )  # fmt: skip
            call.file.save(f"appel-de-fonds-{call.pk}.pdf", ContentFile(pdf), save=False)
            call.sha256 = sha256(pdf)
            call.save(update_fields=["file", "sha256"])
            journal.FUND_CALL_ISSUED.record(
                actor=membership.user, organisation=membership.organisation, target=call,
                funder=funder.name, year=year, amount=format_cents(amount_cents),
            )  # fmt: skip
    except IntegrityError as exc:  # the same reference typed twice at once
        raise ValidationError({"reference": "Cette référence est déjà utilisée."}) from exc
    return call


def fund_payment_record(
    *, membership, funder: Funder, year: int, reference: str, received_on: datetime.date,
    amount_cents: int,
) -> FundPayment:  # fmt: skip
    """A programme manager records a payment received from a funder for a year. Rules:
    managers only; see ``_funding_check``; a payment may exceed what was called (an advance),
    the balance due then reads negative. Journaled."""
    require_programme_manager(membership, MANAGER_ONLY)
    reference = _funding_check(
        funder=funder, year=year, reference=reference, amount_cents=amount_cents,
        model=FundPayment,
    )  # fmt: skip
    try:
        with transaction.atomic():
            payment = FundPayment.objects.create(
                funder=funder, year=year, reference=reference, received_on=received_on,
                amount_cents=amount_cents, created_by=membership.user,
            )  # fmt: skip
            journal.FUND_PAYMENT_RECORDED.record(
                actor=membership.user, organisation=membership.organisation, target=payment,
                funder=funder.name, year=year, amount=format_cents(amount_cents),
            )  # fmt: skip
    except IntegrityError as exc:
        raise ValidationError({"reference": "Cette référence est déjà utilisée."}) from exc
    return payment


def _noon(day: datetime.date) -> datetime.datetime:
    """The PDF's date (its metadata): noon of the call's day, so it is reproducible."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
