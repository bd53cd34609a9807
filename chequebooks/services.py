"""Cheque stock services: every write on chequebooks and cheques, each stating its rule.

Hand-over rules (``chequebook_hand_over``) are the heart of the app; the other services
cover print runs, operator imports, stock movements, cancellation and the end of a vintage.
"""

import hashlib
import hmac
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from passnum.audit.services import journal_record
from passnum.organisations.models import OrganisationKind, Role
from passnum.programme.models import Side

from .models import (
    Cheque,
    Chequebook,
    ChequebookState,
    ChequeState,
    HandoverException,
    StockMovement,
)
from .states import IllegalTransition, cheque_transition_check, chequebook_transition_check

# --- Security codes ---------------------------------------------------------------------------

#: Upper-case letters and digits without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V).
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTWXY"
CODE_LENGTH = 8


def cheque_code_generate() -> str:
    """Rule: a security code has ``CODE_LENGTH`` characters drawn with ``secrets`` from an
    alphabet without look-alike characters (23 symbols: about 36 bits for 8 characters)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def cheque_code_hash(code: str) -> str:
    """Rule: a cheque's security code is stored only as a keyed hash (HMAC-SHA256 with
    PASSNUM_CHEQUE_CODE_KEY, a key kept outside the database), so a copy of the database
    does not reveal usable codes. Codes are compared case-insensitively, without spaces."""
    normalised = code.strip().replace(" ", "").replace("-", "").upper()
    return hmac.new(
        settings.PASSNUM_CHEQUE_CODE_KEY.encode(), normalised.encode(), hashlib.sha256
    ).hexdigest()


def cheque_code_matches(*, cheque, code: str) -> bool:
    return bool(cheque.code_hash) and hmac.compare_digest(cheque.code_hash, cheque_code_hash(code))


# --- QR code content --------------------------------------------------------------------------

#: The QR code of a cheque carries ``PASSNUM:<cheque number>:<security code>``. A scanner
#: acting as a keyboard types exactly this text into the redemption form's field.
QR_PREFIX = "PASSNUM"
_QR_PATTERN = re.compile(
    r"^\s*PASSNUM\s*[:;]\s*(\d{1,18})\s*[:;]\s*([A-Za-z0-9 -]{4,32})\s*$", re.IGNORECASE
)


def cheque_qr_text(*, number: int, code: str) -> str:
    return f"{QR_PREFIX}:{number}:{code}"


def cheque_qr_parse(text: str) -> tuple[int, str]:
    """Read what a scanner typed: ``PASSNUM:<number>:<code>`` → ``(number, code)``.

    Scanners configured for an AZERTY keyboard sometimes type ``;`` for ``:``; both are
    accepted, case-insensitively. Anything else raises ValidationError."""
    match = _QR_PATTERN.match(text or "")
    if not match:
        raise ValidationError("Ce QR code n'est pas celui d'un chèque Pass numérique.")
    return int(match.group(1)), match.group(2).replace(" ", "").replace("-", "").upper()


def cheque_qr_svg(*, number: int, code: str) -> str:
    """The QR code (SVG markup, no XML declaration) of a cheque, for the print file."""
    import segno

    qr = segno.make(cheque_qr_text(number=number, code=code), error="m", micro=False)
    return qr.svg_inline(scale=2, border=1, omitsize=False)


# --- Helpers ----------------------------------------------------------------------------------


def _is_manager(membership) -> bool:
    return (
        membership is not None
        and membership.is_active
        and membership.role == Role.PROGRAMME_MANAGER
        and membership.organisation.kind == OrganisationKind.OWNER
    )


def _is_front_desk_agent(membership) -> bool:
    return (
        membership is not None
        and membership.is_active
        and membership.role in (Role.EVALUATOR, Role.ORG_ADMIN)
        and membership.organisation.kind == OrganisationKind.FRONT_DESK
    )


def envelope_serves(*, envelope, organisation) -> bool:
    """Rule: a front desk is served by its side's envelope: the CD12 envelope for a CD12-side
    desk, its own EPCI's envelope for an EPCI-side desk."""
    if organisation.kind != OrganisationKind.FRONT_DESK:
        return False
    if organisation.side == Side.CD12:
        return envelope.side == Side.CD12
    return envelope.side == Side.EPCI and envelope.epci_id == organisation.epci_id


def _envelope_filter_for(organisation) -> Q:
    if organisation.side == Side.CD12:
        return Q(envelope__side=Side.CD12)
    return Q(envelope__side=Side.EPCI, envelope__epci_id=organisation.epci_id)


def vintage_is_distributable(vintage, *, today=None) -> bool:
    """Rule: a vintage's chequebooks may be handed out when its hand-over is not frozen and
    today (Europe/Paris) is within its validity."""
    today = today or timezone.localdate()
    return not vintage.handover_frozen and vintage.valid_from <= today <= vintage.valid_until


def _transition(kind, from_state, to_state):
    try:
        if kind == "cheque":
            cheque_transition_check(from_state, to_state)
        else:
            chequebook_transition_check(from_state, to_state)
    except IllegalTransition as exc:
        raise ValidationError(
            f"Changement d'état impossible : « {_state_label(kind, from_state)} » vers "
            f"« {_state_label(kind, to_state)} »."
        ) from exc


def _state_label(kind, state):
    choices = ChequeState if kind == "cheque" else ChequebookState
    try:
        return choices(state).label
    except ValueError:
        return state


# --- Hand-over --------------------------------------------------------------------------------


def chequebook_handover_candidates(*, membership):
    """The chequebooks this front desk can hand out today: held by its organisation, at the
    front desk (receipt confirmed or not), from the envelope of its side, of a distributable
    vintage (not frozen, today within validity). Oldest vintage first, then by number."""
    if not _is_front_desk_agent(membership):
        return Chequebook.objects.none()
    organisation = membership.organisation
    today = timezone.localdate()
    return (
        Chequebook.objects.filter(
            _envelope_filter_for(organisation),
            state=ChequebookState.AT_FRONT_DESK,
            holder=organisation,
            vintage__handover_frozen=False,
            vintage__valid_from__lte=today,
            vintage__valid_until__gte=today,
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
    - the vintage is distributable: not frozen, today (Europe/Paris) within its validity;
    - one chequebook per person and vintage (cancelled ones do not count), unless a programme
      manager granted an exception not yet used: the chequebook then takes the next rank and
      uses the exception. The database's unique constraint backs this rule;
    - the chequebook row is locked and everything re-checked under the lock, so two desks
      handing out the same chequebook at once: exactly one succeeds;
    - ``replaces``: a cancelled chequebook of the same person and vintage this one replaces.
    Its cheques move to "handed out" in one UPDATE; the hand-over is journaled."""
    if not _is_front_desk_agent(membership):
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
            active = Chequebook.objects.filter(
                beneficiary=beneficiary, vintage=locked.vintage
            ).exclude(state=ChequebookState.CANCELLED)
            exception = None
            rank = 0
            if active.exists():
                exception = (
                    HandoverException.objects.select_for_update()
                    .filter(beneficiary=beneficiary, vintage=locked.vintage, used_by__isnull=True)
                    .order_by("granted_at", "pk")
                    .first()
                )
                if exception is None:
                    raise ValidationError(
                        f"Cette personne a déjà un chéquier du millésime {locked.vintage.year}. "
                        "Un gestionnaire du programme peut accorder une dérogation motivée."
                    )
                rank = (active.aggregate(m=Max("holding_rank"))["m"] or 0) + 1
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
            _transition("chequebook", locked.state, ChequebookState.HANDED_OUT)
            received_now = locked.received_at is None
            locked.state = ChequebookState.HANDED_OUT
            locked.beneficiary = beneficiary
            locked.holding_rank = rank
            locked.handed_out_at = now
            locked.handed_out_by = membership.user
            locked.handed_out_by_organisation = organisation
            locked.received_at = locked.received_at or now
            locked.replaces = replaces
            locked.save()
            if received_now:
                StockMovement.objects.create(
                    chequebook=locked,
                    kind=StockMovement.Kind.RECEIPT,
                    to_organisation=organisation,
                    by=membership.user,
                )
            Cheque.objects.filter(chequebook=locked, state=ChequeState.AT_FRONT_DESK).update(
                state=ChequeState.HANDED_OUT
            )
            if exception is not None:
                exception.used_by = locked
                exception.save(update_fields=["used_by"])
            type(beneficiary).objects.filter(pk=beneficiary.pk).update(last_activity_at=now)
            journal_record(
                action="chequebooks.chequebook.handed_over",
                actor=membership.user,
                organisation=organisation,
                target=locked,
                details={
                    "beneficiary_id": beneficiary.pk,
                    "rank": rank,
                    "exception_id": exception.pk if exception else None,
                    "replaces": replaces.number if replaces else None,
                },
            )
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
    if vintage.handover_frozen:
        raise ValidationError(f"Les remises du millésime {vintage.year} sont gelées.")
    if today < vintage.valid_from:
        raise ValidationError(f"Le millésime {vintage.year} n'est pas encore valable.")
    if today > vintage.valid_until:
        raise ValidationError(f"Le millésime {vintage.year} est expiré.")
