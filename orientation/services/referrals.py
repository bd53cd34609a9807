"""Referrals: made by a front desk, answered by the mediator (accept, decline, first session,
complete), lapsed by the system."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from passnum.audit.transitions import Transition
from passnum.directory.models import mediator_is_qualified
from passnum.organisations.models import OrganisationKind
from passnum.organisations.roles import (
    MEDIATOR_ROLES,
    is_front_desk_agent,
    is_mediator_member,
)
from passnum.people.models import Beneficiary
from passnum.people.privacy import beneficiary_touch

from .. import journal
from ..models import AppointmentState, Assessment, Referral, ReferralState
from ..selectors import beneficiaries_visible_to, chequebook_in_hand
from ..transitions import (
    REFERRAL_ACCEPT,
    REFERRAL_COMPLETE,
    REFERRAL_DECLINE,
    REFERRAL_FIRST_SESSION,
    REFERRAL_LAPSE,
)


def _referral_move(
    *, referral: Referral, transition: Transition, membership, details=None, **fields
) -> Referral:
    """Move a referral along ``transition`` under a row lock, journaled with who did it."""
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        transition.require(locked.state)
        now = timezone.now()
        fields["state_changed_at"] = now
        if transition is REFERRAL_ACCEPT:
            fields["accepted_at"] = now
        for key, value in fields.items():
            setattr(locked, key, value)
        transition.apply(
            locked,
            actor=membership.user if membership else None,
            organisation=membership.organisation if membership else None,
            update_fields=tuple(fields),
            details=details,
        )
        if transition in (REFERRAL_DECLINE, REFERRAL_LAPSE):
            # A closed referral's booked appointment frees its seat (and is reminded of no more).
            locked.appointments.filter(state=AppointmentState.BOOKED).update(
                state=AppointmentState.CANCELLED, state_changed_at=now
            )
    referral.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return referral


def _mediator_of(referral: Referral, membership) -> None:
    if not is_mediator_member(membership) or membership.organisation_id != referral.mediator_id:
        raise ValidationError("Cette orientation n'est pas adressée à votre structure.")


def referral_create(
    *,
    beneficiary: Beneficiary,
    place,
    membership,
    assessment: Assessment | None = None,
    chequebook=None,
) -> Referral:
    """Refer a person to a mediation place.

    Rules: by a front desk that sees the person; the place is active and its organisation an
    active mediator, qualified (``mediator_is_qualified``: without a profile it is not); a
    person has at most one open referral (proposed or accepted) to the same mediator. The
    mediator is told by e-mail, queued once the referral is saved."""
    if not is_front_desk_agent(membership):
        raise ValidationError("Seul un accueil de 1er niveau oriente une personne.")
    if not beneficiaries_visible_to(membership).filter(pk=beneficiary.pk).exists():
        raise ValidationError("Cette personne n'est pas suivie par votre accueil.")
    if beneficiary.anonymised_at:
        raise ValidationError("Cette personne a été anonymisée.")
    mediator = place.organisation
    if not place.is_active or not mediator.is_active or mediator.kind != OrganisationKind.MEDIATOR:
        raise ValidationError({"place": "Ce lieu de médiation n'accueille plus de public."})
    if not mediator_is_qualified(mediator):
        raise ValidationError({"place": "Ce médiateur n'est pas qualifié pour le Pass numérique."})
    if Referral.objects.filter(beneficiary=beneficiary, mediator=mediator).open().exists():
        raise ValidationError(
            {"place": "Cette personne est déjà orientée vers ce médiateur (orientation en cours)."}
        )
    if assessment is None:
        assessment = beneficiary.assessments.order_by("-created_at").first()
    if chequebook is None:
        chequebook = chequebook_in_hand(beneficiary)
    with transaction.atomic():
        referral = Referral.objects.create(
            beneficiary=beneficiary,
            place=place,
            mediator=mediator,
            from_organisation=membership.organisation,
            created_by=membership.user,
            assessment=assessment,
            chequebook=chequebook,
        )
        beneficiary_touch(beneficiary=beneficiary)
        journal.REFERRAL_CREATED.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=referral,
            place=place.name,
            mediator=mediator.name,
        )
        # Lazy on purpose: the Celery task module imports these services.
        from ..tasks import referral_notify

        transaction.on_commit(lambda: referral_notify.delay(referral.pk))
    return referral


def referral_notify_mediator(*, referral: Referral) -> int:
    """E-mail the mediator that a referral waits for an answer. No personal data in the
    e-mail: the mediator reads it in the application, through an absolute link built on
    PASSNUM_SITE_URL (the e-mail is sent by Celery, outside any request)."""
    recipients = {
        m.user.email
        for m in referral.mediator.memberships.filter(
            is_active=True, role__in=MEDIATOR_ROLES
        ).select_related("user")
    }
    if referral.place.email:
        recipients.add(referral.place.email)
    if not recipients:
        return 0
    return send_mail(
        subject="Pass numérique : une nouvelle orientation vous attend",
        message=(
            f"Bonjour,\n\n{referral.from_organisation.name} vous oriente une personne pour le "
            f"lieu « {referral.place.name} ».\nAcceptez ou refusez cette orientation depuis votre "
            f"boîte de réception : {settings.PASSNUM_SITE_URL}{reverse('orientation:inbox')}"
            "\n\nPass numérique Aveyron"
        ),
        from_email=None,
        recipient_list=sorted(recipients),
    )


def referral_accept(*, referral: Referral, membership) -> Referral:
    """The mediator accepts a proposed referral. Rule: only the mediator it is addressed to."""
    _mediator_of(referral, membership)
    return _referral_move(referral=referral, transition=REFERRAL_ACCEPT, membership=membership)


def referral_decline(*, referral: Referral, membership, reason: str) -> Referral:
    """The mediator declines a proposed referral. Rules: only the mediator it is addressed to,
    with a written reason (the front desk sees it and refers elsewhere)."""
    _mediator_of(referral, membership)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Indiquez le motif du refus."})
    return _referral_move(
        referral=referral,
        transition=REFERRAL_DECLINE,
        membership=membership,
        details={"reason": reason},
        decline_reason=reason[:255],
    )


def referral_first_session_held(*, referral: Referral, membership) -> Referral:
    """The mediator held a first session with the person (called by mediation when an activity
    answers the referral).

    Rules: only the mediator it is addressed to. A referral still "proposed" is first
    accepted (holding a session is accepting it), both steps journaled. Calling it again once
    the first session is recorded (or the referral completed) changes nothing, since every
    later activity answers the same referral. Declined or lapsed referrals refuse."""
    _mediator_of(referral, membership)
    referral.refresh_from_db(fields=["state"])
    if referral.state in (ReferralState.FIRST_SESSION, ReferralState.COMPLETED):
        return referral
    if referral.state == ReferralState.PROPOSED:
        _referral_move(referral=referral, transition=REFERRAL_ACCEPT, membership=membership)
    return _referral_move(
        referral=referral, transition=REFERRAL_FIRST_SESSION, membership=membership
    )


def referral_complete(*, referral: Referral, membership) -> Referral:
    """The mediator closes the support after the first session. Rule: only its mediator."""
    _mediator_of(referral, membership)
    return _referral_move(referral=referral, transition=REFERRAL_COMPLETE, membership=membership)


def referral_lapse(*, referral: Referral, membership=None, reason: str = "") -> Referral:
    """Mark a referral lapsed ("sans suite"): by the system (``membership`` None) or by the
    front desk that made it or the mediator it is addressed to. Allowed from proposed or
    accepted only."""
    if membership is not None and membership.organisation_id not in (
        referral.from_organisation_id,
        referral.mediator_id,
    ):
        raise ValidationError("Cette orientation n'est pas de votre structure.")
    return _referral_move(
        referral=referral,
        transition=REFERRAL_LAPSE,
        membership=membership,
        details={"reason": reason or "sans réponse"},
    )


def referrals_lapse_overdue(*, now=None) -> int:
    """Rule (run daily by Celery beat): a referral still proposed PASSNUM_REFERRAL_LAPSE_DAYS
    (default 60) days after it was made, or accepted but without a first session
    PASSNUM_REFERRAL_LAPSE_ACCEPTED_DAYS (default 90) days after its acceptance, lapses
    ("sans suite"), journaled as done by the system. Why 60: the follow-up shows at 14 days,
    which leaves the front desk six weeks to call the mediator or refer elsewhere. Idempotent."""
    now = now or timezone.now()
    proposed_days = settings.PASSNUM_REFERRAL_LAPSE_DAYS
    accepted_days = settings.PASSNUM_REFERRAL_LAPSE_ACCEPTED_DAYS
    proposed_limit = now - timedelta(days=proposed_days)
    accepted_limit = now - timedelta(days=accepted_days)
    count = 0
    for referral in Referral.objects.filter(
        state=ReferralState.PROPOSED, created_at__lt=proposed_limit
    ):
        referral_lapse(referral=referral, reason=f"non acceptée en {proposed_days} jours")
        count += 1
    for referral in Referral.objects.filter(
        state=ReferralState.ACCEPTED, accepted_at__lt=accepted_limit
    ):
        referral_lapse(
            referral=referral,
            reason=f"aucune première séance en {accepted_days} jours",
        )
        count += 1
    return count


def referral_sheet_printed(*, referral: Referral, membership) -> None:
    journal.REFERRAL_SHEET_PRINTED.record(
        actor=membership.user, organisation=membership.organisation, target=referral
    )
