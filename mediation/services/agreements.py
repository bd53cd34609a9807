"""Agreements (conventions) between the programme and a mediator: drafted with their PDF,
brought into force by the signature, terminated."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from passnum.audit.transitions import Transition
from passnum.core.dates import PARIS
from passnum.core.storage import file_record_once
from passnum.directory.services import mediator_profile_for
from passnum.organisations.models import OrganisationKind
from passnum.organisations.roles import require_programme_manager
from passnum.pdf import render_pdf, sha256
from passnum.programme.models import Vintage

from .. import journal
from ..models import Agreement, AgreementStatus


def agreement_create(
    *, mediator, counterpart, start_date, end_date, membership, signed_at=None
) -> Agreement:
    """A programme manager drafts an agreement between CD12 (or an EPCI organisation) and a
    mediator; its PDF is generated once from the template, with the mediator's details and the
    programme's terms (the vintage's mediator net per cheque, monthly statements)."""
    require_programme_manager(membership)
    if mediator.kind != OrganisationKind.MEDIATOR:
        raise ValidationError("Une convention se signe avec un acteur de médiation.")
    if counterpart.kind not in (OrganisationKind.OWNER, OrganisationKind.EPCI):
        raise ValidationError(
            "Une convention se signe avec le Département ou une intercommunalité."
        )
    if end_date < start_date:
        raise ValidationError({"end_date": "La fin de la convention précède son début."})
    with transaction.atomic():
        agreement = Agreement.objects.create(
            mediator=mediator,
            counterpart=counterpart,
            start_date=start_date,
            end_date=end_date,
            signed_at=signed_at,
        )
        agreement_render_queue(agreement)
        journal.AGREEMENT_CREATED.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=agreement,
            mediator=mediator.name,
            start=f"{start_date:%d/%m/%Y}",
            end=f"{end_date:%d/%m/%Y}",
        )
    return agreement


def agreement_render_queue(agreement: Agreement) -> None:
    """Queue the rendering of the agreement's PDF, run by the worker after commit."""
    from ..tasks import agreement_render as agreement_render_task

    transaction.on_commit(lambda: agreement_render_task.delay(agreement.pk))


def agreement_render(agreement: Agreement) -> Agreement:
    """Render the agreement's PDF (in the worker, or the demo's loading).

    Rules: rendered once (an agreement that has its file keeps it), from its dates, the
    mediator's profile and places and the vintage in force at its start; the bytes are written
    whole and recorded with their SHA-256 only if no other rendering did first
    (``file_record_once``)."""
    if agreement.file:
        return agreement
    profile = mediator_profile_for(agreement.mediator)
    vintage = (
        Vintage.objects.filter(valid_from__lte=agreement.start_date).order_by("-year").first()
        or Vintage.objects.order_by("year").first()
    )
    created = datetime.datetime.combine(agreement.start_date, datetime.time(9), tzinfo=PARIS)
    pdf = render_pdf(
        "mediation/pdf/agreement.html",
        {
            "agreement": agreement,
            "profile": profile,
            "vintage": vintage,
            "places": agreement.mediator.places.filter(is_active=True),
        },
        title=str(agreement),
        created=created,
    )
    file_record_once(
        agreement,
        field="file",
        name=f"convention-{agreement.pk}.pdf",
        data=pdf,
        file_sha256=sha256(pdf),
    )
    return agreement


#: The agreement's workflow: a draft comes into force when signed; one in force may be
#: terminated. (Its end is read from its dates: Agreement.status_label.)
AGREEMENT_ACTIVATE = Transition(
    "agreement.activate",
    sources=(AgreementStatus.DRAFT,),
    target=AgreementStatus.ACTIVE,
    event=journal.AGREEMENT_ACTIVATED,
    field="status",
)
AGREEMENT_TERMINATE = Transition(
    "agreement.terminate",
    sources=(AgreementStatus.ACTIVE,),
    target=AgreementStatus.TERMINATED,
    event=journal.AGREEMENT_TERMINATED,
    field="status",
)


def agreement_next_steps(agreement) -> list[str]:
    """The names of the steps that leave from the agreement's status (activate a draft,
    terminate one in force): the page offers those forms, nothing else."""
    return [
        t.name
        for t in (AGREEMENT_ACTIVATE, AGREEMENT_TERMINATE)
        if t.allowed_from(agreement.status)
    ]


def agreement_activate(*, agreement: Agreement, signed_at: datetime.date, membership) -> Agreement:
    """A manager records the signature: the draft agreement comes into force
    (AGREEMENT_ACTIVATE)."""
    require_programme_manager(membership)
    if not AGREEMENT_ACTIVATE.allowed_from(agreement.status):
        raise ValidationError("Seule une convention en brouillon peut entrer en vigueur.")
    agreement.signed_at = signed_at
    return AGREEMENT_ACTIVATE.apply(
        agreement,
        actor=membership.user,
        organisation=membership.organisation,
        update_fields=("signed_at",),
        details={"signed": f"{signed_at:%d/%m/%Y}"},
    )


def agreement_terminate(*, agreement: Agreement, membership, reason: str) -> Agreement:
    """A manager terminates an agreement in force (AGREEMENT_TERMINATE); the mediator can no
    longer redeem under it."""
    require_programme_manager(membership)
    if not AGREEMENT_TERMINATE.allowed_from(agreement.status):
        raise ValidationError("Seule une convention en vigueur peut être résiliée.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Indiquez le motif de la résiliation."})
    return AGREEMENT_TERMINATE.apply(
        agreement,
        actor=membership.user,
        organisation=membership.organisation,
        details={"reason": reason},
    )
