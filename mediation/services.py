"""Mediation services: every write on mediators, places, agreements, redemptions, activities
and statements. Each docstring states the rule it enforces."""

import csv
import datetime
import hashlib
import hmac
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from chequebooks.models import Cheque, ChequeState
from chequebooks.services import cheque_code_matches, cheque_qr_parse
from chequebooks.states import REDEEMED_STATES, cheque_states_from, cheque_transition_check
from orientation.models import ReferralState
from orientation.services import referral_first_session_held
from passnum.audit.services import journal_record
from passnum.core.dates import PARIS, month_start, next_month, paris_midnight, previous_month
from passnum.core.money import format_cents
from passnum.core.services import counter_next
from passnum.directory.models import MediatorProfile, mediator_is_qualified
from passnum.directory.services import NOT_THIS_MEDIATOR, bank_value_masked, mediator_profile_for
from passnum.organisations.models import Organisation, OrganisationKind
from passnum.organisations.roles import is_mediator_member, require_programme_manager
from passnum.pdf import render_pdf, sha256
from passnum.programme.models import Vintage
from passnum.programme.vintages import vintage_has_ended, vintage_is_valid_on

from .models import (
    Activity,
    Agreement,
    AgreementStatus,
    Redemption,
    RedemptionAttempt,
    RedemptionSubmission,
    Statement,
    StatementStatus,
)
from .rules import Reason
from .selectors import participants_open_for, referrals_open_for

#: Wrong codes allowed per account within the window before redemption is refused.
WRONG_CODE_LIMIT = getattr(settings, "PASSNUM_WRONG_CODE_LIMIT", 5)
MAX_LINES = 20
WRONG_CODE_WINDOW = datetime.timedelta(minutes=getattr(settings, "PASSNUM_WRONG_CODE_MINUTES", 15))


#: How long an activity lasts, in minutes (the form's bounds come from here too).
ACTIVITY_MINUTES_MIN = 1
ACTIVITY_MINUTES_MAX = 600


def activity_duration_error(minutes) -> str | None:
    """Rule: an activity (with or without cheques) lasts at least ACTIVITY_MINUTES_MIN minute
    and at most ACTIVITY_MINUTES_MAX minutes (a long day); the database refuses 0 too
    (constraint activity_has_duration). Returns the message shown next to the field, or None."""
    if not minutes or minutes < ACTIVITY_MINUTES_MIN:
        return "Indiquez une durée d'au moins une minute."
    if minutes > ACTIVITY_MINUTES_MAX:
        return f"Une activité dure au plus {ACTIVITY_MINUTES_MAX} minutes (10 heures)."
    return None


def _require_bank_details_confirmed(mediator) -> None:
    if MediatorProfile.objects.filter(organisation=mediator, bank_details_to_confirm=True).exists():
        raise ValidationError(
            f"Les coordonnées bancaires de {mediator} ont changé : un gestionnaire doit les "
            "revalider (fiche de la structure) avant toute suite de paiement."
        )


# --- Agreements -------------------------------------------------------------------------------


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
        _agreement_render(agreement)
        journal_record(
            action="mediation.agreement.created",
            actor=membership.user,
            organisation=membership.organisation,
            target=agreement,
            details={
                "mediator": mediator.name,
                "start": f"{start_date:%d/%m/%Y}",
                "end": f"{end_date:%d/%m/%Y}",
            },
        )
    return agreement


def _agreement_render(agreement: Agreement) -> None:
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
    agreement.file.save(f"convention-{agreement.pk}.pdf", ContentFile(pdf), save=False)
    agreement.file_sha256 = sha256(pdf)
    agreement.save(update_fields=["file", "file_sha256"])


def agreement_activate(*, agreement: Agreement, signed_at: datetime.date, membership) -> Agreement:
    """A manager records the signature: the draft agreement comes into force."""
    require_programme_manager(membership)
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError("Seule une convention en brouillon peut entrer en vigueur.")
    agreement.signed_at = signed_at
    agreement.status = AgreementStatus.ACTIVE
    agreement.save(update_fields=["signed_at", "status"])
    journal_record(
        action="mediation.agreement.activated",
        actor=membership.user,
        organisation=membership.organisation,
        target=agreement,
        details={"signed": f"{signed_at:%d/%m/%Y}"},
    )
    return agreement


def agreement_terminate(*, agreement: Agreement, membership, reason: str) -> Agreement:
    """A manager terminates an agreement in force; the mediator can no longer redeem under it."""
    require_programme_manager(membership)
    if agreement.status != AgreementStatus.ACTIVE:
        raise ValidationError("Seule une convention en vigueur peut être résiliée.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Indiquez le motif de la résiliation."})
    agreement.status = AgreementStatus.TERMINATED
    agreement.save(update_fields=["status"])
    journal_record(
        action="mediation.agreement.terminated",
        actor=membership.user,
        organisation=membership.organisation,
        target=agreement,
        details={"reason": reason},
    )
    return agreement


def mediator_redemption_refusal(organisation, *, day: datetime.date) -> str | None:
    """Rule: a mediator redeems only while qualified and on a day covered by an agreement in
    force (AgreementQuerySet.in_force). Returns the reason code that forbids it, or None."""
    if not mediator_is_qualified(organisation):
        return Reason.MEDIATOR_NOT_QUALIFIED
    if not Agreement.objects.in_force(day).filter(mediator=organisation).exists():
        return Reason.NO_ACTIVE_AGREEMENT
    return None


# --- Redemption -------------------------------------------------------------------------------


@dataclass
class ChequeLine:
    """One line of the redemption form: a number and a code (or the QR content in number)."""

    number: str
    code: str = ""


@dataclass
class ChequeAnswer:
    typed: str
    number: int | None = None
    reason: str | None = None
    message: str = ""
    cheque: Cheque | None = None
    code_digest: str = ""

    @property
    def ok(self) -> bool:
        return self.reason is None


@dataclass
class RedemptionResult:
    ok: bool
    answers: list[ChequeAnswer]
    activity: Activity | None = None
    redemptions: list[Redemption] = field(default_factory=list)
    replayed: bool = False
    reason: str | None = None

    @property
    def net_cents(self) -> int:
        return sum(r.mediator_net_cents for r in self.redemptions)


def _parse_line(line: ChequeLine) -> tuple[int | None, str]:
    typed = (line.number or "").strip()
    if typed.upper().startswith("PASSNUM"):
        try:
            return cheque_qr_parse(typed)
        except ValidationError:
            return None, ""
    digits = typed.replace(" ", "")
    if not digits.isdigit() or len(digits) > 18:
        return None, ""
    return int(digits), (line.code or "").strip()


def _already_redeemed_message(redemption: Redemption, organisation) -> str:
    when = timezone.localtime(redemption.redeemed_at)
    text = f"Ce chèque a déjà été encaissé le {when:%d/%m/%Y à %H:%M}"
    if redemption.mediator_id == organisation.pk:
        return f"{text} par votre structure, pour {redemption.beneficiary}."
    return f"{text} par une autre structure de médiation."


def _cheque_refusal(cheque: Cheque, *, code: str, organisation, day) -> tuple[str | None, str]:
    """The reason a cheque cannot be redeemed today, and its French sentence (None if it can)."""
    state = cheque.state
    if not cheque_code_ok(cheque, code):
        return Reason.WRONG_CODE, Reason.MESSAGES[Reason.WRONG_CODE]
    if state in REDEEMED_STATES:
        redemption = Redemption.objects.filter(cheque=cheque).select_related("beneficiary").first()
        if redemption is not None:
            return Reason.ALREADY_REDEEMED, _already_redeemed_message(redemption, organisation)
        return Reason.ALREADY_REDEEMED, Reason.MESSAGES[Reason.ALREADY_REDEEMED]
    if state == ChequeState.CANCELLED:
        return Reason.CANCELLED, Reason.MESSAGES[Reason.CANCELLED]
    vintage = cheque.chequebook.vintage
    if state == ChequeState.EXPIRED or vintage_has_ended(vintage, today=day):
        return Reason.EXPIRED, (
            f"Ce chèque est expiré : le millésime {vintage.year} était valable jusqu'au "
            f"{vintage.valid_until:%d/%m/%Y}."
        )
    if state in (ChequeState.IN_STOCK, ChequeState.AT_FRONT_DESK):
        return Reason.NOT_HANDED_OUT, Reason.MESSAGES[Reason.NOT_HANDED_OUT]
    if not vintage_is_valid_on(vintage, day):  # not ended (above), so not started yet
        return Reason.NOT_YET_VALID, (
            f"Ce chèque n'est pas encore valable : le millésime {vintage.year} commence le "
            f"{vintage.valid_from:%d/%m/%Y}."
        )
    if state != ChequeState.HANDED_OUT or cheque.chequebook.beneficiary_id is None:
        return Reason.NOT_HANDED_OUT, Reason.MESSAGES[Reason.NOT_HANDED_OUT]
    return None, ""


def cheque_code_ok(cheque, code: str) -> bool:
    return bool(code) and cheque_code_matches(cheque=cheque, code=code)


def _account_lock(user) -> None:
    """Serialise the submissions of one account (its user row, locked until commit)."""
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))


def redemption_wrong_codes_recent(*, user, now=None) -> set[tuple[str, str, str]]:
    """The wrong codes this account typed within the throttling window, as distinct
    (submission token, number typed, code digest): the same submission sent again (a double
    click on a refused form) counts once; any other code, or another submission, counts
    again. Its size is what the account has spent of WRONG_CODE_LIMIT."""
    now = now or timezone.now()
    return set(
        RedemptionAttempt.objects.filter(
            user=user, reason=Reason.WRONG_CODE, created_at__gte=now - WRONG_CODE_WINDOW
        )
        .values_list("token", "number_typed", "code_digest")
        .distinct()
    )


def _check_lines(
    answers, cheques_by_number, *, organisation, day, kind, code_budget=None, counted=()
):
    """Checks every line (codes, states, vintage, one person) and fills in the answers.
    ``code_budget``: how many more wrong codes this account may type; once spent, further
    lines are refused as throttled without their code being tried. ``counted``: the
    (number typed, code digest) of this submission's wrong codes already counted (a retry),
    which spend nothing more."""
    seen = set()
    beneficiary_id = None
    wrong = 0
    for answer, code in answers:
        if answer.reason:
            continue
        if answer.number in seen:
            answer.reason, answer.message = (
                Reason.DUPLICATE_LINE,
                Reason.MESSAGES[Reason.DUPLICATE_LINE],
            )
            continue
        seen.add(answer.number)
        cheque = cheques_by_number.get(answer.number)
        answer.cheque = cheque
        if cheque is None:
            answer.reason, answer.message = (
                Reason.UNKNOWN_NUMBER,
                Reason.MESSAGES[Reason.UNKNOWN_NUMBER],
            )
            continue
        already = (answer.typed[:40], answer.code_digest) in counted
        if code_budget is not None and wrong >= code_budget and not already:
            answer.reason, answer.message = Reason.THROTTLED, Reason.MESSAGES[Reason.THROTTLED]
            continue
        answer.reason, answer.message = _cheque_refusal(
            cheque, code=code, organisation=organisation, day=day
        )
        wrong += answer.reason == Reason.WRONG_CODE and not already
        if answer.reason is None and kind != Activity.Kind.WORKSHOP:
            owner = cheque.chequebook.beneficiary_id
            if beneficiary_id is None:
                beneficiary_id = owner
            elif owner != beneficiary_id:
                answer.reason, answer.message = (
                    Reason.OTHER_PERSON,
                    Reason.MESSAGES[Reason.OTHER_PERSON],
                )
        if answer.reason is None:
            answer.message = "Chèque valable."


def _code_digest(code: str) -> str:
    """A keyed digest of a typed code: tells two attempts with the same code apart from two
    with different codes, without storing the code."""
    key = f"passnum.mediation.attempt:{settings.SECRET_KEY}".encode()
    return hmac.new(key, (code or "").encode(), hashlib.sha256).hexdigest()


def _record_attempts(answers, *, organisation, user, token=""):
    RedemptionAttempt.objects.bulk_create(
        RedemptionAttempt(
            number_typed=answer.typed[:40],
            cheque=answer.cheque,
            reason=answer.reason,
            mediator=organisation,
            user=user,
            token=token[:64],
            code_digest=answer.code_digest if answer.reason == Reason.WRONG_CODE else "",
        )
        for answer in answers
        if answer.reason and answer.reason != Reason.DUPLICATE_LINE
    )


def _replay(submission, organisation) -> RedemptionResult:
    redemptions = list(
        submission.redemptions.select_related("cheque", "activity", "beneficiary").order_by("id")
    )
    answers = [
        ChequeAnswer(
            typed=str(r.cheque.number),
            number=r.cheque.number,
            cheque=r.cheque,
            message="Chèque encaissé (cette saisie avait déjà été enregistrée).",
        )
        for r in redemptions
    ]
    return RedemptionResult(
        ok=True,
        answers=answers,
        activity=redemptions[0].activity if redemptions else None,
        redemptions=redemptions,
        replayed=True,
    )


def redemption_submit(
    *,
    membership,
    token: str,
    lines: list[ChequeLine],
    kind: str,
    date: datetime.date,
    duration_minutes: int,
    themes: list[str],
    referral=None,
    place=None,
    notes: str = "",
) -> RedemptionResult:
    """Redeem one or several cheques for one activity, all or nothing.

    Rules (DOMAIN rule 1): only a qualified mediator with an agreement in force today;
    only a cheque handed out to a beneficiary, not cancelled, inside its vintage's validity
    today (Europe/Paris), with its security code; a cheque is redeemed at most once, ever.
    An individual support or a procedure concerns one person (the chequebooks' beneficiary);
    a workshop gathers the beneficiaries of all its cheques. The same submission token twice
    (double click, retried request) redeems nothing more and returns the first result.
    Refusals are stored (RedemptionAttempt) with their reason; after WRONG_CODE_LIMIT wrong
    codes within WRONG_CODE_WINDOW the account is refused until the window passes. The
    account's row is locked (select_for_update) from the count of its recent wrong codes to
    the end of the submission, so parallel submissions of one account are checked one after
    the other and together never try more than WRONG_CODE_LIMIT wrong codes per window.

    As pretix's check-in, in one transaction after the account's lock: checks without the
    cheque rows' lock first; then the cheque rows are locked (ordered by id, so two
    submissions never deadlock), re-checked under the lock and only then redeemed. A
    one-to-one constraint between cheque and redemption backs it. A retry of a refused
    submission counts its wrong codes once (redemption_wrong_codes_recent).
    """
    organisation = membership.organisation
    user = membership.user
    if not is_mediator_member(membership):
        raise ValidationError("Seul un acteur de médiation encaisse des chèques.")
    if not token:
        raise ValidationError("Jeton de saisie manquant : rechargez la page.")
    day = timezone.localdate()
    if date > day:
        raise ValidationError({"date": "L'activité ne peut pas être datée dans le futur."})
    if duration_error := activity_duration_error(duration_minutes):
        raise ValidationError({"duration_minutes": duration_error})
    if kind not in Activity.Kind.values:
        raise ValidationError({"kind": "Type d'activité inconnu."})

    earlier = RedemptionSubmission.objects.filter(token=token).first()
    if earlier is not None:
        if earlier.mediator_id != organisation.pk:
            raise ValidationError("Jeton de saisie invalide : rechargez la page.")
        return _replay(earlier, organisation)

    answers: list[tuple[ChequeAnswer, str]] = []
    for line in lines:
        if not (line.number or "").strip():
            continue
        number, code = _parse_line(line)
        answer = ChequeAnswer(
            typed=line.number.strip(), number=number, code_digest=_code_digest(code)
        )
        if number is None:
            answer.reason, answer.message = Reason.MALFORMED, Reason.MESSAGES[Reason.MALFORMED]
        answers.append((answer, code))
    if not answers:
        raise ValidationError("Saisissez au moins un chèque.")
    if len(answers) > MAX_LINES:
        raise ValidationError(f"Au plus {MAX_LINES} chèques par saisie.")
    only_answers = [a for a, _ in answers]

    def refuse_all(reason):
        for a in only_answers:
            if not a.reason:
                a.reason, a.message = reason, Reason.MESSAGES[reason]
        _record_attempts(only_answers, organisation=organisation, user=user, token=token)
        return RedemptionResult(ok=False, answers=only_answers, reason=reason)

    refusal = mediator_redemption_refusal(organisation, day=day)
    if refusal:
        return refuse_all(refusal)
    # One transaction, no savepoint: the account's row is locked first, so that parallel
    # submissions of one account count their wrong codes one after another.
    try:
        with transaction.atomic():
            _account_lock(user)
            return _submit_serialised(
                answers=answers,
                organisation=organisation,
                user=user,
                token=token,
                day=day,
                activity={
                    "kind": kind,
                    "date": date,
                    "duration_minutes": duration_minutes,
                    "themes": themes,
                    "referral": referral,
                    "place": place,
                    "notes": notes,
                },
                membership=membership,
            )
    except IntegrityError:
        # A concurrent identical token (unique) or a cheque redeemed meanwhile (one-to-one):
        # the row locks make this unreachable, the constraints make it harmless. Everything
        # was rolled back; a retry is answered as such.
        earlier = RedemptionSubmission.objects.filter(token=token).first()
        if earlier is not None:
            return _replay(earlier, organisation)
        raise


def _submit_serialised(
    *, answers, organisation, user, token, day, activity, membership
) -> RedemptionResult:
    """redemption_submit's checks and writes, inside its transaction, the account locked."""
    only_answers = [a for a, _ in answers]
    kind = activity["kind"]
    # 1. Checks that need no cheque lock.
    spent = redemption_wrong_codes_recent(user=user)
    counted = {(typed, digest) for tok, typed, digest in spent if tok == token}
    code_budget = WRONG_CODE_LIMIT - len(spent)
    if code_budget <= 0 and not counted:
        for a in only_answers:
            if not a.reason:
                a.reason, a.message = Reason.THROTTLED, Reason.MESSAGES[Reason.THROTTLED]
        _record_attempts(only_answers, organisation=organisation, user=user, token=token)
        return RedemptionResult(ok=False, answers=only_answers, reason=Reason.THROTTLED)
    numbers = [a.number for a in only_answers if a.number is not None]
    cheques = {
        c.number: c
        for c in Cheque.objects.filter(number__in=numbers).select_related("chequebook__vintage")
    }
    _check_lines(
        answers,
        cheques,
        organisation=organisation,
        day=day,
        kind=kind,
        code_budget=max(code_budget, 0),
        counted=counted,
    )
    if any(not a.ok for a in only_answers):
        # The same submission may have been committed by a concurrent request since the first
        # token check (a double click): its cheques then read as redeemed. Answer as a retry.
        earlier = RedemptionSubmission.objects.filter(token=token, mediator=organisation).first()
        if earlier is not None:
            return _replay(earlier, organisation)
        _record_attempts(only_answers, organisation=organisation, user=user, token=token)
        return RedemptionResult(ok=False, answers=only_answers)

    # 2. Under the cheque rows' lock (ordered by id, so two submissions never deadlock):
    # re-check, then redeem.
    ids = sorted(a.cheque.pk for a in only_answers)
    locked = {
        c.number: c
        for c in Cheque.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("chequebook__vintage")
        .order_by("id")
    }
    earlier = RedemptionSubmission.objects.filter(token=token).first()
    if earlier is not None:  # the same submission won the race while we waited
        return _replay(earlier, organisation)
    for answer, _code in answers:
        answer.reason = None
    _check_lines(answers, locked, organisation=organisation, day=day, kind=kind)
    if any(not a.ok for a in only_answers):
        _record_attempts(only_answers, organisation=organisation, user=user, token=token)
        return RedemptionResult(ok=False, answers=only_answers)
    return _redeem_locked(
        answers=only_answers,
        organisation=organisation,
        user=user,
        token=token,
        membership=membership,
        **activity,
    )


def _redeem_locked(
    *,
    answers,
    organisation,
    user,
    token,
    kind,
    date,
    duration_minutes,
    themes,
    referral,
    place,
    notes,
    membership,
) -> RedemptionResult:
    now = timezone.now()
    submission = RedemptionSubmission.objects.create(token=token, mediator=organisation, user=user)
    beneficiary_ids = []
    for a in answers:
        if a.cheque.chequebook.beneficiary_id not in beneficiary_ids:
            beneficiary_ids.append(a.cheque.chequebook.beneficiary_id)
    if referral is not None:
        refusal = referral_refusal(referral, membership)
        if refusal:
            raise ValidationError({"referral": refusal})
        if referral.beneficiary_id not in beneficiary_ids:
            raise ValidationError(
                {
                    "referral": "Cette orientation concerne une autre personne que les "
                    "chèques saisis."
                }
            )
    if place is not None and place.organisation_id != organisation.pk:
        raise ValidationError({"place": "Ce lieu n'appartient pas à votre structure."})
    activity = Activity.objects.create(
        mediator=organisation,
        place=place,
        kind=kind,
        date=date,
        duration_minutes=duration_minutes,
        themes=list(themes or []),
        referral=referral,
        notes=notes,
        created_by=user,
    )
    activity.participants.add(*beneficiary_ids)
    redemptions = Redemption.objects.bulk_create(
        Redemption(
            cheque=a.cheque,
            mediator=organisation,
            beneficiary_id=a.cheque.chequebook.beneficiary_id,
            activity=activity,
            submission=submission,
            face_value_cents=a.cheque.chequebook.vintage.face_value_cents,
            mediator_net_cents=a.cheque.chequebook.vintage.mediator_net_cents,
            redeemed_by=user,
            redeemed_at=now,
        )
        for a in answers
    )
    for a in answers:
        cheque_transition_check(a.cheque.state, ChequeState.REDEEMED)
    moved = Cheque.objects.filter(
        pk__in=[a.cheque.pk for a in answers], state__in=cheque_states_from(ChequeState.REDEEMED)
    ).update(state=ChequeState.REDEEMED)
    if moved != len(answers):  # cannot happen under the lock; refuse rather than half-redeem
        raise IntegrityError("cheque state changed under lock")
    for a in answers:
        a.cheque.state = ChequeState.REDEEMED
        a.message = "Chèque encaissé."
        journal_record(
            action="mediation.cheque.redeemed",
            actor=user,
            organisation=organisation,
            target=a.cheque,
            details={"activity": activity.get_kind_display()},
        )
    if referral is not None:
        _referral_first_session(referral, membership)
    return RedemptionResult(ok=True, answers=answers, activity=activity, redemptions=redemptions)


def referral_refusal(referral, membership) -> str | None:
    """Rule: an activity answers only a referral of selectors.referrals_open_for (addressed to
    this mediator and still open), the same list the forms offer. Returns the message that
    forbids it, or None."""
    if referral.mediator_id != membership.organisation_id:
        return "Cette orientation n'est pas adressée à votre structure."
    if not referrals_open_for(membership).filter(pk=referral.pk).exists():
        return (
            "Cette orientation est close (déclinée, sans suite ou terminée) : "
            "choisissez-en une autre."
        )
    return None


def _referral_first_session(referral, membership) -> None:
    """Tell orientation that the referral's first session was held (their service)."""
    if referral.state not in (ReferralState.PROPOSED, ReferralState.ACCEPTED):
        return
    referral_first_session_held(referral=referral, membership=membership)


def activity_record(
    *,
    membership,
    kind,
    date,
    duration_minutes,
    themes,
    participants=(),
    referral=None,
    place=None,
    notes="",
) -> Activity:
    """Record an activity without cheques (e.g. a follow-up session). Same rules as the
    activity of a redemption: the referral must be addressed to this mediator and still open
    (referral_refusal: not declined, lapsed or completed), and answering it moves it to "first
    session held". Its duration follows activity_duration_error and it is not in the future;
    its participants (several for a workshop) are selectors.participants_open_for: people it
    may still see or whose cheques it redeemed, never anonymised; the referral's person is
    added to them."""
    organisation = membership.organisation
    if not is_mediator_member(membership, organisation):
        raise ValidationError(NOT_THIS_MEDIATOR)
    errors = {}
    if date > timezone.localdate():
        errors["date"] = "L'activité ne peut pas être datée dans le futur."
    if duration_error := activity_duration_error(duration_minutes):
        errors["duration_minutes"] = duration_error
    if referral is not None and (refusal := referral_refusal(referral, membership)):
        errors["referral"] = refusal
    participants = list(participants)
    if participants:
        allowed = set(
            participants_open_for(membership)
            .filter(pk__in=[p.pk for p in participants])
            .values_list("pk", flat=True)
        )
        if any(p.pk not in allowed for p in participants):
            errors["participants"] = (
                "Seules les personnes orientées vers votre structure ou dont vous avez encaissé "
                "des chèques peuvent participer."
            )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        activity = Activity.objects.create(
            mediator=organisation,
            place=place,
            kind=kind,
            date=date,
            duration_minutes=duration_minutes,
            themes=list(themes or []),
            referral=referral,
            notes=notes,
            created_by=membership.user,
        )
        people = list(participants)
        if referral is not None and referral.beneficiary not in people:
            people.append(referral.beneficiary)
        activity.participants.add(*people)
        journal_record(
            action="mediation.activity.recorded",
            actor=membership.user,
            organisation=organisation,
            target=activity,
            details={"kind": activity.get_kind_display()},
        )
        if referral is not None:
            _referral_first_session(referral, membership)
    return activity


# --- Statements -------------------------------------------------------------------------------


def statement_issue(*, mediator, period_start: datetime.date, membership=None) -> Statement | None:
    """Issue the statement of ``mediator`` for the month starting ``period_start``.

    Rules: it lists every redemption of the mediator made before the end of that month
    (Europe/Paris) and not yet on a statement, so a redemption is on exactly one statement;
    issuing again with nothing new issues nothing (None), while a month produced early (the
    "current month so far" choice) gets a further statement, with its own number, for the
    redemptions made after it; its number comes from the gapless counter
    "statement"; totals are integer cents (face value, fees = face − net, net at the
    vintage's mediator rate copied at redemption); its cheques move redeemed → on_statement;
    the PDF is rendered once, stored with its checksum and never re-rendered.
    Returns None when there is nothing to put on a statement.

    Refused (ValidationError) while the mediator's bank details await a manager's
    re-validation: the PDF prints the IBAN, which must not be one nobody checked. The
    profile's row is locked while the statement is issued, so a change of bank details
    waits for it (and a statement issued before the change printed the checked IBAN); its
    redemptions stay pending until the next run after the re-validation."""
    period_start = month_start(period_start)
    end = paris_midnight(next_month(period_start))
    with transaction.atomic():
        flagged = list(
            MediatorProfile.objects.select_for_update()
            .filter(organisation=mediator)
            .values_list("bank_details_to_confirm", flat=True)
        )
        if any(flagged):
            raise ValidationError(
                f"Les coordonnées bancaires de {mediator} ont changé : un gestionnaire doit les "
                "revalider (fiche de la structure) avant que son relevé soit émis."
            )
        redemptions = list(
            Redemption.objects.select_for_update()
            .filter(mediator=mediator, statement__isnull=True, redeemed_at__lt=end)
            .order_by("id")
        )
        if not redemptions:
            return None
        number = counter_next(name="statement")
        face = sum(r.face_value_cents for r in redemptions)
        net = sum(r.mediator_net_cents for r in redemptions)
        statement = Statement.objects.create(
            number=number,
            mediator=mediator,
            period_start=period_start,
            cheque_count=len(redemptions),
            face_value_cents=face,
            fees_cents=face - net,
            net_cents=net,
        )
        Redemption.objects.filter(pk__in=[r.pk for r in redemptions]).update(statement=statement)
        cheque_ids = [r.cheque_id for r in redemptions]
        cheque_transition_check(ChequeState.REDEEMED, ChequeState.ON_STATEMENT)
        moved = Cheque.objects.filter(pk__in=cheque_ids, state=ChequeState.REDEEMED).update(
            state=ChequeState.ON_STATEMENT
        )
        if moved != len(cheque_ids):
            raise IntegrityError("a redeemed cheque was not in state redeemed")
        _statement_render(statement)
        journal_record(
            action="mediation.statement.issued",
            actor=membership.user if membership else None,
            organisation=membership.organisation if membership else None,
            target=statement,
            details={
                "mediator": mediator.name,
                "count": len(redemptions),
                "period": f"{period_start:%m/%Y}",
            },
        )
    return statement


def _statement_render(statement: Statement) -> None:
    lines = statement.redemptions.select_related(
        "cheque", "activity", "cheque__chequebook__vintage"
    ).order_by("redeemed_at", "cheque__number")
    profile = mediator_profile_for(statement.mediator)
    statement.printed_iban = profile.iban
    pdf = render_pdf(
        "mediation/pdf/statement.html",
        {"statement": statement, "lines": lines, "profile": profile},
        title=str(statement),
        created=statement.issued_at,
    )
    statement.file.save(f"releve-{statement.number}.pdf", ContentFile(pdf), save=False)
    statement.file_sha256 = sha256(pdf)
    statement.save(update_fields=["file", "file_sha256", "printed_iban"])


def statement_iban_mismatch(statement: Statement) -> tuple[str, str] | None:
    """Rule: the PDF is never re-rendered, so when the mediator's IBAN changed (and was
    re-validated) after the statement was issued, its PDF shows the old IBAN while the
    accounting export pays the current one. Returns (printed, current), both masked, so the
    manager's page says so; None when they agree or the printed IBAN is unknown."""
    if not statement.printed_iban:
        return None
    profile = getattr(statement.mediator, "mediator_profile", None)
    current = profile.iban if profile else ""
    if current == statement.printed_iban:
        return None
    return bank_value_masked("iban", statement.printed_iban), bank_value_masked("iban", current)


@dataclass
class StatementsRun:
    """What a run of the month's statements did: the statements issued, and the mediators
    held back (names) because their bank details await re-validation."""

    issued: list = field(default_factory=list)
    held: list = field(default_factory=list)


def statements_issue_for_month(*, period_start: datetime.date, membership=None) -> StatementsRun:
    """Issue the month's statement of every mediator that has redemptions not yet stated.
    Idempotent: run twice, it issues nothing more. A mediator whose bank details await a
    manager's re-validation is skipped and named in ``held``; its redemptions stay pending and
    go on its statement at the next run after the re-validation."""
    end = paris_midnight(next_month(month_start(period_start)))
    mediator_ids = (
        Redemption.objects.filter(statement__isnull=True, redeemed_at__lt=end)
        .values_list("mediator_id", flat=True)
        .distinct()
        .order_by("mediator_id")
    )
    run = StatementsRun()
    for mediator in (
        Organisation.objects.filter(pk__in=list(mediator_ids))
        .select_related("mediator_profile")
        .order_by("pk")
    ):
        profile = getattr(mediator, "mediator_profile", None)
        if profile is not None and profile.bank_details_to_confirm:
            run.held.append(mediator.name)
            continue
        try:
            statement = statement_issue(
                mediator=mediator, period_start=period_start, membership=membership
            )
        except ValidationError:  # flagged since the list was read
            run.held.append(mediator.name)
            continue
        if statement is not None:
            run.issued.append(statement)
    run.held.sort()
    return run


def statements_issue_previous_month(*, today=None) -> StatementsRun:
    """What Celery beat runs on the 1st: the statements of the month before (Europe/Paris)."""
    today = today or timezone.localdate()
    return statements_issue_for_month(period_start=previous_month(today))


def statement_validate(*, statement: Statement, membership) -> Statement:
    """A programme manager validates an issued statement (issued → validated); refused while
    the mediator's bank details await re-validation."""
    return _statement_move(statement, membership, StatementStatus.ISSUED, StatementStatus.VALIDATED)


def statement_send(*, statement: Statement, membership) -> Statement:
    """A validated statement is sent to the finance department for payment; refused while the
    mediator's bank details await re-validation."""
    return _statement_move(
        statement, membership, StatementStatus.VALIDATED, StatementStatus.SENT_FOR_PAYMENT
    )


def statement_pay(
    *, statement: Statement, membership, paid_at: datetime.date, reference: str
) -> Statement:
    """The payment is recorded (date and reference); the statement's cheques become paid."""
    if not (reference or "").strip():
        raise ValidationError({"reference": "Indiquez la référence du paiement."})
    return _statement_move(
        statement,
        membership,
        StatementStatus.SENT_FOR_PAYMENT,
        StatementStatus.PAID,
        paid_at=paid_at,
        reference=reference.strip(),
    )


def _statement_move(statement, membership, from_status, to_status, *, paid_at=None, reference=""):
    require_programme_manager(membership)
    with transaction.atomic():
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        if statement.status != from_status:
            raise ValidationError(
                f"Ce relevé est « {statement.get_status_display()} » : "
                "cette étape n'est pas possible."
            )
        if to_status in (StatementStatus.VALIDATED, StatementStatus.SENT_FOR_PAYMENT):
            _require_bank_details_confirmed(statement.mediator)
        now = timezone.now()
        statement.status = to_status
        if to_status == StatementStatus.VALIDATED:
            statement.validated_at, statement.validated_by = now, membership.user
        elif to_status == StatementStatus.SENT_FOR_PAYMENT:
            statement.sent_at = now
        elif to_status == StatementStatus.PAID:
            statement.paid_at, statement.payment_reference = paid_at, reference
            cheque_transition_check(ChequeState.ON_STATEMENT, ChequeState.PAID)
            Cheque.objects.filter(
                redemption__statement=statement, state=ChequeState.ON_STATEMENT
            ).update(state=ChequeState.PAID)
        statement.save()
        journal_record(
            action=f"mediation.statement.{to_status}",
            actor=membership.user,
            organisation=membership.organisation,
            target=statement,
            details={"reference": reference or "—"},
        )
    return statement


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
    return sorted(
        set(
            statements.filter(mediator__mediator_profile__bank_details_to_confirm=True)
            .values_list("mediator__name", flat=True)
            .distinct()
        )
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
    journal_record(
        action="mediation.statements.exported",
        actor=membership.user,
        organisation=membership.organisation,
        details={"count": rows, "held": ", ".join(held) or "—"},
    )
    return AccountingExport(content=out.getvalue().replace("\u00a0", " "), rows=rows, held=held)


def statement_totals(redemptions) -> dict:
    agg = redemptions.aggregate(face=Sum("face_value_cents"), net=Sum("mediator_net_cents"))
    face, net = agg["face"] or 0, agg["net"] or 0
    return {"count": redemptions.count(), "face": face, "net": net, "fees": face - net}
