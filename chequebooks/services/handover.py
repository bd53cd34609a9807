"""Hand-over of a chequebook to a person (the heart of the app), the managers' exceptions
(dérogations) and the receipt given to the person."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from passnum.organisations.roles import (
    is_front_desk_agent,
    is_programme_manager,
    require_programme_manager,
)
from passnum.pdf import render_pdf
from passnum.people.identity import same_person_q
from passnum.people.privacy import beneficiary_touch
from passnum.programme.vintages import (
    distributable_q,
    vintage_has_ended,
    vintage_is_distributable,
)
from passnum.territory.models import Side

from .. import journal
from ..models import (
    Cheque,
    Chequebook,
    ChequebookState,
    HandoverException,
    StockMovement,
)
from ..states import CHEQUE_HAND_OVER, CHEQUEBOOK_HAND_OVER
from .common import envelope_filter_for, envelope_serves

# --- Hand-over --------------------------------------------------------------------------------


def chequebook_handover_candidates(*, membership):
    """The chequebooks this front desk can hand out today: held by its organisation, at the
    front desk (receipt confirmed or not), from the envelope of its side, of a distributable
    vintage (``vintage_is_distributable``: not frozen, today within validity). Oldest vintage
    first, then by number."""
    if not is_front_desk_agent(membership):
        return Chequebook.objects.none()
    organisation = membership.organisation
    today = timezone.localdate()
    return (
        Chequebook.objects.filter(
            envelope_filter_for(organisation),
            distributable_q(today=today),
            state__in=CHEQUEBOOK_HAND_OVER.sources,
            holder=organisation,
        )
        .select_related("vintage", "envelope", "envelope__epci")
        .order_by("vintage__year", "number")
    )


def chequebook_hand_over(*, chequebook, beneficiary, membership, replaces=None) -> Chequebook:
    """Hand a chequebook of the front desk's stock to a registered beneficiary.

    Rules:
    - only an evaluator or administrator of a front desk, for a chequebook its organisation
      holds at the front desk. A chequebook whose receipt was not yet confirmed may be handed
      out: handing it over proves it arrived, so receipt is confirmed at the same time;
    - the chequebook's envelope is the front desk's side (CD12 envelope for a CD12 desk, the
      desk's own EPCI envelope for an EPCI desk) and the person's target public is of that side;
    - the vintage is distributable (``vintage_is_distributable``): not frozen (by a manager,
      or from 15 December N at midnight unless the freeze was lifted), today (Europe/Paris)
      within its validity;
    - one chequebook per person and vintage (cancelled ones do not count; the records other
      front desks made of the same person, by identity key, count too), unless a programme
      manager granted an exception not yet used: the chequebook then takes the next rank and
      uses the exception. The database's unique constraint backs this rule;
    - the chequebook row is locked and everything re-checked under the lock, so two desks
      handing out the same chequebook at once: exactly one succeeds;
    - ``replaces``: a cancelled chequebook of the same person and vintage this one replaces;
      the replacement takes its rank, so replacing a chequebook needs no new exception.
    Its cheques move to "handed out" in one UPDATE; the hand-over is journaled."""
    if not is_front_desk_agent(membership):
        raise ValidationError("Seul un agent d'un accueil peut remettre un chéquier.")
    organisation = membership.organisation
    if beneficiary.anonymised_at:
        raise ValidationError("Cette personne a été anonymisée : aucune remise possible.")
    if beneficiary.target_public.side != organisation.side:
        raise ValidationError(
            "Le public cible de cette personne ne relève pas du côté de votre accueil "
            f"({Side(organisation.side).label})."
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = (
                Chequebook.objects.select_for_update()
                .select_related("vintage", "envelope")
                .get(pk=chequebook.pk)
            )
            _hand_over_check(locked, organisation=organisation)
            # Serialise hand-overs to the same person: the count below is read under a lock.
            type(beneficiary).objects.select_for_update().filter(pk=beneficiary.pk).first()
            if replaces is not None:
                replaces = Chequebook.objects.select_for_update().get(pk=replaces.pk)
                if (
                    replaces.state != ChequebookState.CANCELLED
                    or replaces.beneficiary_id != beneficiary.pk
                    or replaces.vintage_id != locked.vintage_id
                ):
                    raise ValidationError(
                        "Le chéquier remplacé doit être un chéquier opposé de cette personne, "
                        "du même millésime."
                    )
                if Chequebook.objects.filter(replaces=replaces).exists():
                    raise ValidationError("Ce chéquier opposé a déjà été remplacé.")
            # The same person may have been registered by two front desks (same identity key):
            # their records count together.
            active = Chequebook.objects.filter(
                same_person_q(beneficiary, "beneficiary__"), vintage=locked.vintage
            ).exclude(state=ChequebookState.CANCELLED)
            taken = set(active.values_list("holding_rank", flat=True))
            exception = None
            rank = 0
            if replaces is not None and replaces.holding_rank not in taken:
                # A replacement takes the rank of the chequebook it replaces: no new exception.
                rank = replaces.holding_rank
            elif taken:
                exception = (
                    HandoverException.objects.select_for_update()
                    .filter(beneficiary=beneficiary, vintage=locked.vintage, used_by__isnull=True)
                    .order_by("granted_at", "pk")
                    .first()
                )
                if exception is None:
                    elsewhere = not active.filter(beneficiary=beneficiary).exists()
                    raise ValidationError(
                        f"Cette personne a déjà un chéquier du millésime {locked.vintage.year}"
                        + (", remis par un autre accueil" if elsewhere else "")
                        + ". Un gestionnaire du programme peut accorder une dérogation motivée."
                    )
                rank = max(taken) + 1
            CHEQUEBOOK_HAND_OVER.require(locked.state)
            received_now = locked.received_at is None
            locked.beneficiary = beneficiary
            locked.holding_rank = rank
            locked.handed_out_at = now
            locked.handed_out_by = membership.user
            locked.handed_out_by_organisation = organisation
            locked.received_at = locked.received_at or now
            locked.replaces = replaces
            CHEQUEBOOK_HAND_OVER.apply(
                locked,
                actor=membership.user,
                organisation=organisation,
                update_fields=(
                    "beneficiary",
                    "holding_rank",
                    "handed_out_at",
                    "handed_out_by",
                    "handed_out_by_organisation",
                    "received_at",
                    "replaces",
                ),
                details={
                    "beneficiary_id": beneficiary.pk,
                    "rank": rank,
                    "exception_id": exception.pk if exception else None,
                    "replaces": replaces.number if replaces else None,
                },
            )
            if received_now:
                StockMovement.objects.create(
                    chequebook=locked,
                    kind=StockMovement.Kind.RECEIPT,
                    to_organisation=organisation,
                    by=membership.user,
                )
            Cheque.objects.filter(chequebook=locked, state__in=CHEQUE_HAND_OVER.sources).update(
                state=CHEQUE_HAND_OVER.target
            )
            if exception is not None:
                exception.used_by = locked
                exception.save(update_fields=["used_by"])
            beneficiary_touch(beneficiary=beneficiary)
    except IntegrityError as exc:
        # The unique constraint (one chequebook per person, vintage and rank) refused it.
        raise ValidationError(
            "Cette personne a déjà un chéquier de ce millésime (remise simultanée refusée)."
        ) from exc
    beneficiary.last_activity_at = now
    return locked


def _hand_over_check(chequebook, *, organisation) -> None:
    if chequebook.state == ChequebookState.HANDED_OUT:
        raise ValidationError(f"Le chéquier {chequebook.number} a déjà été remis.")
    if chequebook.state == ChequebookState.CANCELLED:
        raise ValidationError(f"Le chéquier {chequebook.number} est opposé.")
    if chequebook.state != ChequebookState.AT_FRONT_DESK or chequebook.holder_id != organisation.pk:
        raise ValidationError(
            f"Le chéquier {chequebook.number} n'est pas dans le stock de votre accueil."
        )
    if not envelope_serves(envelope=chequebook.envelope, organisation=organisation):
        raise ValidationError(
            f"Le chéquier {chequebook.number} relève de l'{chequebook.envelope}, qui n'est pas "
            "celle de votre accueil."
        )
    vintage = chequebook.vintage
    today = timezone.localdate()
    if vintage_is_distributable(vintage, today=today):
        return
    # Not distributable: say why (ended, not yet valid, or frozen).
    if vintage_has_ended(vintage, today=today):
        raise ValidationError(f"Le millésime {vintage.year} est expiré.")
    if today < vintage.valid_from:
        raise ValidationError(f"Le millésime {vintage.year} n'est pas encore valable.")
    raise ValidationError(f"Les remises du millésime {vintage.year} sont gelées.")


# --- Exceptions -------------------------------------------------------------------------------


def handover_exception_grant(*, beneficiary, vintage, reason: str, membership) -> HandoverException:
    """Rule: only a programme manager allows a person one more chequebook of a vintage, with a
    written reason; the exception is used by the next hand-over beyond the first."""
    require_programme_manager(
        membership, "Seul un gestionnaire du programme peut accorder une dérogation."
    )
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError("Écrivez le motif de la dérogation.")
    exception = HandoverException.objects.create(
        beneficiary=beneficiary, vintage=vintage, reason=reason, granted_by=membership.user
    )
    journal.EXCEPTION_GRANTED.record(
        actor=membership.user,
        organisation=membership.organisation,
        target=exception,
        reason=reason[:255],
        beneficiary_id=beneficiary.pk,
        vintage=vintage.year,
    )
    return exception


# --- Receipt for the person (attestation de remise) ---------------------------------------------


def chequebook_handed_out_by_desk_of(chequebook, membership) -> bool:
    """Whether the member's front desk is the one that handed this chequebook out."""
    return (
        is_front_desk_agent(membership)
        and chequebook.handed_out_by_organisation_id is not None
        and chequebook.handed_out_by_organisation_id == membership.organisation_id
    )


def chequebook_receipt_allowed(chequebook, membership) -> bool:
    """Rule: the receipt (attestation de remise, it names the person) of a chequebook handed
    out is downloaded by the front desk that handed it out or by a programme manager."""
    return chequebook.state == ChequebookState.HANDED_OUT and (
        is_programme_manager(membership) or chequebook_handed_out_by_desk_of(chequebook, membership)
    )


def chequebook_receipt_pdf(*, chequebook, membership) -> bytes:
    """The "attestation de remise" given to the person: chequebook number, validity, how to
    use it, and the chosen mediator when a referral carries this chequebook. Its download is
    journaled (it names the person). Refused unless ``chequebook_receipt_allowed``."""
    if chequebook.state != ChequebookState.HANDED_OUT:
        raise ValidationError("Ce chéquier n'a pas été remis.", code="not_handed_out")
    if not chequebook_receipt_allowed(chequebook, membership):
        raise ValidationError(
            "Seul l'accueil qui a remis ce chéquier ou un gestionnaire du programme télécharge "
            "son attestation de remise.",
            code="not_allowed",
        )
    referral = (
        chequebook.referrals.select_related("place", "mediator").order_by("-created_at").first()
    )
    pdf = render_pdf(
        "chequebooks/pdf/receipt.html",
        {
            "chequebook": chequebook,
            "vintage": chequebook.vintage,
            "beneficiary": chequebook.beneficiary,
            "desk": chequebook.handed_out_by_organisation,
            "referral": referral,
            "cheques": list(chequebook.cheques.order_by("position")),
        },
        title=f"Attestation de remise – chéquier {chequebook.number}",
        created=chequebook.handed_out_at,
    )
    journal.CHEQUEBOOK_RECEIPT_DOWNLOADED.record(
        actor=membership.user, organisation=membership.organisation, target=chequebook
    )
    return pdf
