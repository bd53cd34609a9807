"""Redemption: one form, many cheques, one activity, all or nothing (DOMAIN rule 1). The
reasons a cheque or a mediator is refused, with their sentences and checks, are in
redemption_rules.py."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from chequebooks.models import Cheque
from chequebooks.services import cheque_qr_parse
from chequebooks.states import CHEQUE_REDEEM
from passnum.organisations.roles import is_mediator_member

from .. import journal
from ..models import Activity, Redemption, RedemptionSubmission
from .activities import activity_create, activity_errors, referral_answered, referral_refusal
from .attempts import (
    WRONG_CODE_LIMIT,
    account_lock,
    attempts_record,
    code_digest,
    redemption_wrong_codes_recent,
)
from .redemption_rules import Reason, cheque_refusal, mediator_redemption_refusal

MAX_LINES = 20


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
        answer.reason, answer.message = cheque_refusal(
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
    if errors := activity_errors(
        date=date, duration_minutes=duration_minutes, kind=kind, today=day
    ):
        raise ValidationError(errors)

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
            typed=line.number.strip(), number=number, code_digest=code_digest(code)
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
        attempts_record(only_answers, organisation=organisation, user=user, token=token)
        return RedemptionResult(ok=False, answers=only_answers, reason=reason)

    refusal = mediator_redemption_refusal(organisation, day=day)
    if refusal:
        return refuse_all(refusal)
    # One transaction, no savepoint: the account's row is locked first, so that parallel
    # submissions of one account count their wrong codes one after another.
    try:
        with transaction.atomic():
            account_lock(user)
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
        attempts_record(only_answers, organisation=organisation, user=user, token=token)
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
        attempts_record(only_answers, organisation=organisation, user=user, token=token)
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
        attempts_record(only_answers, organisation=organisation, user=user, token=token)
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
    activity = activity_create(
        organisation=organisation,
        user=user,
        kind=kind,
        date=date,
        duration_minutes=duration_minutes,
        themes=themes,
        referral=referral,
        place=place,
        notes=notes,
        people=beneficiary_ids,
    )
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
        CHEQUE_REDEEM.check(a.cheque.state)
    moved = Cheque.objects.filter(
        pk__in=[a.cheque.pk for a in answers], state__in=CHEQUE_REDEEM.sources
    ).update(state=CHEQUE_REDEEM.target)
    if moved != len(answers):  # cannot happen under the lock; refuse rather than half-redeem
        raise IntegrityError("cheque state changed under lock")
    for a in answers:
        a.cheque.state = CHEQUE_REDEEM.target
        a.message = "Chèque encaissé."
        journal.CHEQUE_REDEEMED.record(
            actor=user,
            organisation=organisation,
            target=a.cheque,
            activity=activity.get_kind_display(),
        )
    if referral is not None:
        referral_answered(referral, membership)
    return RedemptionResult(ok=True, answers=answers, activity=activity, redemptions=redemptions)
