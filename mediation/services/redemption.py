"""Redemption: one form, many cheques, one activity, all or nothing (DOMAIN rule 1). The
reasons a cheque or a mediator is refused, with their sentences and checks, are in
redemption_rules.py."""

import datetime
import functools
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import IntegerField, Subquery
from django.utils import timezone

from chequebooks.models import Cheque, Chequebook
from chequebooks.services import cheque_qr_parse
from chequebooks.states import CHEQUE_REDEEM
from passnum.core.db import pipelined, prepared_cursor
from passnum.organisations.models import Membership
from passnum.organisations.roles import is_mediator_member
from passnum.programme.models import Vintage

from .. import journal
from ..models import Activity, Redemption, RedemptionSubmission
from .activities import (
    activity_date_cheques_error,
    activity_errors,
    referral_answered,
    referral_refusal,
)
from .attempts import (
    WRONG_CODE_WINDOW,
    DistinctCount,
    account_lock_queryset,
    attempts_record,
    code_digest,
    organisation_spent_locked,
    wrong_code_budget_from,
    wrong_codes_spent_querysets,
)
from .redemption_rules import (
    MediatorFacts,
    Reason,
    cheque_refusal,
    mediator_facts_annotations,
    mediator_facts_querysets,
    mediator_redemption_refusal,
)

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
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
        return None, ""
    return int(digits), (line.code or "").strip()


def _check_lines(
    answers, cheques_by_number, *, organisation, day, kind, code_budget=None, counted=()
):
    """Checks every line (codes, states, vintage, one person) and fills in the answers.
    ``code_budget``: how many more wrong codes this account and its organisation may type
    (WrongCodeBudget.remaining); once spent, further
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


TOKEN_REUSED = (
    "Cette saisie a déjà été enregistrée avec d'autres chèques : rechargez la page pour "
    "en commencer une nouvelle."
)
TOKEN_INVALID = "Jeton de saisie invalide : rechargez la page."


def _replay(submission, organisation, answers) -> RedemptionResult:
    """Rule: the same token again (double click, retried request) redeems nothing more and
    answers the first result, if it comes from the same mediator with the same cheques;
    with other cheques it is refused (the person reloads the page for a new submission)."""
    if submission.mediator_id != organisation.pk:
        raise ValidationError(TOKEN_INVALID)
    redemptions = list(
        submission.redemptions.select_related("cheque", "activity", "beneficiary").order_by("id")
    )
    typed = [a.number for a in answers]
    if None in typed or sorted(typed) != sorted(r.cheque.number for r in redemptions):
        raise ValidationError(TOKEN_REUSED)
    replayed = [
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
        answers=replayed,
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
    a workshop gathers the beneficiaries of all its cheques. The activity is not dated in the
    future, nor before its cheques' vintage starts or their chequebook was handed out. The
    same submission token twice (double click, retried request) redeems nothing more and
    returns the first result; with other cheques it is refused. Refusals are stored
    (RedemptionAttempt) with their reason; wrong codes are limited per account and per
    organisation (attempts.py), and a retry of a refused submission counts its wrong codes
    once.

    How, in one transaction and few statements (see _submit_locked): the account's row is
    locked first (parallel submissions of one account are checked one after the other),
    reading the mediator's facts; then the cheque rows are locked (ordered by id, so two
    submissions never deadlock) with what was spent of the wrong-code budget and the token's
    earlier use; everything is checked under these locks (a submission about to spend wrong
    codes also locks its organisation and counts again, so that its accounts together never
    try more codes than allowed); then one statement writes the submission, activity,
    participants, redemptions, cheque states and journal (_redemption_write). The token's
    unique constraint and a one-to-one constraint between cheque and redemption back the
    locks.
    """
    organisation = membership.organisation
    if not is_mediator_member(membership):
        raise ValidationError("Seul un acteur de médiation encaisse des chèques.")
    if not token:
        raise ValidationError("Jeton de saisie manquant : rechargez la page.")
    day = timezone.localdate()
    if errors := activity_errors(
        date=date, duration_minutes=duration_minutes, kind=kind, today=day
    ):
        raise ValidationError(errors)

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

    # One transaction, no savepoint: the rows are locked first, then read, checked, written.
    try:
        with transaction.atomic():
            return _submit_locked(
                answers=answers,
                membership=membership,
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
            )
    except IntegrityError:
        # A concurrent identical token of another account (unique) or a cheque redeemed
        # meanwhile (one-to-one): the row locks make the second unreachable, the constraints
        # make both harmless. Everything was rolled back; a retry is answered as such.
        earlier = RedemptionSubmission.objects.filter(token=token).first()
        if earlier is not None:
            return _replay(earlier, organisation, [a for a, _ in answers])
        raise


class _Scalar(Subquery):
    output_field = IntegerField()


@dataclass
class _Spent:
    """What _read_locked reads after the account's lock: wrong codes spent (as
    wrong_codes_spent_querysets counts them) and the token's earlier submission, if any."""

    account_spent: int
    organisation_spent: int
    token_spent: int
    earlier_submission: int | None


def _earlier_submission(token):
    return RedemptionSubmission.objects.filter(token=token).values("pk")[:1]


def _read_locked(membership, *, numbers, token, day):
    """redemption_submit's reads, in two statements, inside its transaction: (1) the
    account's row locked (account_lock_queryset), with the mediator's facts
    (mediator_facts_querysets); (2) the cheques numbered ``numbers`` locked FOR NO KEY UPDATE
    in the order of their ids (two submissions never deadlock), with their chequebook and
    vintage, and the wrong codes spent and the token's earlier submission, read after (1)
    (a statement sees what was committed before it started: here, by the previous holder of
    the account's lock). Without any known cheque, (2) reads the figures alone. Returns
    (MediatorFacts, cheques, _Spent).

    On PostgreSQL both statements are written here, around the SQL the ORM compiles once per
    process from the rules' querysets (_statements): the same statements, without the ORM's
    compiling at each request (a third of a redemption's Python time). Elsewhere the ORM
    runs the same reads."""
    user_id, organisation_id = membership.user_id, membership.organisation_id
    since = timezone.now() - WRONG_CODE_WINDOW
    if connection.vendor != "postgresql":
        spent_querysets = wrong_codes_spent_querysets(
            user_id=user_id, organisation_id=organisation_id, token=token[:64], since=since
        )
        annotations = mediator_facts_annotations(organisation_id, day)
        facts = MediatorFacts(
            **account_lock_queryset(membership).annotate(**annotations).values(*annotations).get()
        )
        after_lock = {name: DistinctCount(qs) for name, qs in spent_querysets.items()}
        after_lock["earlier_submission"] = _Scalar(_earlier_submission(token))
        cheques = list(
            Cheque.objects.select_for_update(of=("self",), no_key=True)
            .filter(number__in=numbers)
            .select_related("chequebook__vintage")
            .annotate(**after_lock)
            .order_by("id")
        )
        row = (
            cheques[0]
            if cheques
            else Membership.objects.annotate(**after_lock).get(pk=membership.pk)
        )
        return facts, cheques, _Spent(**{name: getattr(row, name) for name in after_lock})

    values = {
        "user_id": user_id,
        "organisation_id": organisation_id,
        "day": day,
        "since": since,
        "token": token[:64],
        "whole_token": token,
    }
    statements = _statements()
    lock_params = [p for fragment in statements.lock_fragments for p in fragment.bind(values)]
    lock_params.append(user_id)
    figures_params = [p for fragment in statements.figures_fragments for p in fragment.bind(values)]
    lock_sql, cheques_sql, figures = (
        statements.lock_sql,
        statements.cheques_sql,
        statements.figures_sql,
    )
    # Prepared once per connection, both sent in one round trip with the transaction's BEGIN
    # (passnum.core.db); PostgreSQL runs them in order, so (2) reads after (1)'s lock.
    with prepared_cursor() as lock_cursor, prepared_cursor() as cursor:
        with pipelined():
            lock_cursor.execute(lock_sql, lock_params)
            cursor.execute(cheques_sql, [*figures_params, list(numbers)])
        facts = MediatorFacts(
            **dict(zip(statements.facts_names, lock_cursor.fetchone(), strict=True))
        )
        rows = cursor.fetchall()
        if rows:
            figures_row = rows[0][-4:]
        else:
            cursor.execute(f"SELECT {figures}", figures_params)
            figures_row = cursor.fetchone()
    cheques = []
    for row in rows:
        instances, at = [], 0
        for model, names in statements.cheque_models:
            instances.append(model.from_db(connection.alias, names, row[at : at + len(names)]))
            at += len(names)
        cheque, chequebook, vintage = instances
        Chequebook._meta.get_field("vintage").set_cached_value(chequebook, vintage)
        Cheque._meta.get_field("chequebook").set_cached_value(cheque, chequebook)
        cheques.append(cheque)
    return facts, cheques, _Spent(*figures_row)


_Spent_COUNTS = ("account_spent", "organisation_spent", "token_spent")


class _Fragment:
    """A queryset's SQL compiled by the ORM with stand-in values, and where each stand-in
    goes among its parameters: ``bind`` puts a request's values in their places."""

    def __init__(self, queryset, standins: dict):
        self.sql, params = queryset.query.sql_with_params()
        by_value = {(type(v), v): name for name, v in standins.items()}
        self.slots = [(by_value.get((type(p), p)), p) for p in params]

    def bind(self, values: dict) -> list:
        return [values[name] if name else constant for name, constant in self.slots]


#: Values no request ever has, each distinct: the stand-ins the statements are compiled with.
_STANDINS = {
    "user_id": -81_200_001,
    "organisation_id": -81_200_002,
    "day": datetime.date(1901, 2, 3),
    "since": datetime.datetime(1901, 2, 3, 4, 5, 6, tzinfo=datetime.UTC),
    "token": "\x1ei12-token-standin",
    "whole_token": "\x1ei12-whole-token-standin",
}


@dataclass(frozen=True)
class _Statements:
    facts_names: tuple
    lock_sql: str
    lock_fragments: tuple
    cheques_sql: str
    figures_sql: str
    figures_fragments: tuple
    cheque_models: tuple


@functools.cache
def _statements() -> _Statements:
    """_read_locked's SQL on PostgreSQL, built once per process: the rules' querysets
    (mediator_facts_querysets, wrong_codes_spent_querysets, the token's submission) compiled
    by the ORM with stand-ins, inside the two locking statements."""
    s = _STANDINS
    facts = mediator_facts_querysets(s["organisation_id"], s["day"])
    spent = wrong_codes_spent_querysets(
        user_id=s["user_id"],
        organisation_id=s["organisation_id"],
        token=s["token"],
        since=s["since"],
    )
    earlier = _earlier_submission(s["whole_token"])
    lock_fragments = tuple(_Fragment(queryset, s) for queryset in facts.values())
    quote = connection.ops.quote_name
    user_table = quote(get_user_model()._meta.db_table)
    lock_sql = (
        f"SELECT {', '.join(f'({f.sql})' for f in lock_fragments)} "
        f"FROM {user_table} WHERE id = %s FOR NO KEY UPDATE"
    )
    figures_fragments = (
        *(_Fragment(spent[name], s) for name in _Spent_COUNTS),
        _Fragment(earlier, s),
    )
    figures_sql = ", ".join(
        [f"(SELECT COUNT(*) FROM ({f.sql}) AS d)" for f in figures_fragments[:-1]]
        + [f"({figures_fragments[-1].sql})"]
    )
    models = (Cheque, Chequebook, Vintage)
    columns = ", ".join(
        f"{alias}.{quote(f.column)}"
        for alias, model in zip("cbv", models, strict=True)
        for f in model._meta.concrete_fields
    )
    cheques_sql = (
        f"SELECT {columns}, {figures_sql} FROM {quote(Cheque._meta.db_table)} c "
        f"JOIN {quote(Chequebook._meta.db_table)} b "
        f"ON b.id = c.{quote(Cheque._meta.get_field('chequebook').column)} "
        f"JOIN {quote(Vintage._meta.db_table)} v "
        f"ON v.id = b.{quote(Chequebook._meta.get_field('vintage').column)} "
        f"WHERE c.{quote(Cheque._meta.get_field('number').column)} = ANY(%s) "
        f"ORDER BY c.id FOR NO KEY UPDATE OF c"
    )
    return _Statements(
        facts_names=tuple(facts),
        lock_sql=lock_sql,
        lock_fragments=lock_fragments,
        cheques_sql=cheques_sql,
        figures_sql=figures_sql,
        figures_fragments=figures_fragments,
        cheque_models=tuple(
            (model, [f.attname for f in model._meta.concrete_fields]) for model in models
        ),
    )


def _submit_locked(*, answers, membership, token, day, activity) -> RedemptionResult:
    """redemption_submit's reads, checks and writes, inside its transaction. Statements: (1)
    the account's row locked, with the mediator's facts; (2) the cheque rows locked, with the
    wrong codes spent and the token's earlier use (read after (1), so they include what the
    previous holder of the account's lock committed); (3) the writes, one statement on
    PostgreSQL. A refusal writes its attempts instead (one statement); one that spends wrong
    codes first locks the organisation and counts its wrong codes again (two statements),
    so that its accounts together never try more than their budget."""
    organisation, user = membership.organisation, membership.user
    only_answers = [a for a, _ in answers]

    def refuse(reason=None):
        for a in only_answers:
            if reason and not a.reason:
                a.reason, a.message = reason, Reason.MESSAGES[reason]
        attempts_record(only_answers, organisation=organisation, user=user, token=token)
        return RedemptionResult(ok=False, answers=only_answers, reason=reason)

    numbers = sorted({a.number for a in only_answers if a.number is not None})
    facts, cheques, spent = _read_locked(membership, numbers=numbers, token=token, day=day)

    if spent.earlier_submission is not None:
        earlier = RedemptionSubmission.objects.get(pk=spent.earlier_submission)
        return _replay(earlier, organisation, only_answers)
    if refusal := mediator_redemption_refusal(organisation, day=day, facts=facts):
        return refuse(refusal)
    budget = wrong_code_budget_from(spent, user_id=user.pk, token=token[:64])
    if budget.exhausted:
        return refuse(Reason.THROTTLED)
    by_number = {c.number: c for c in cheques}

    def check(code_budget):
        for a in only_answers:
            if a.number is not None:  # a malformed line stays so
                a.reason, a.message, a.cheque = None, "", None
        _check_lines(
            answers,
            by_number,
            organisation=organisation,
            day=day,
            kind=activity["kind"],
            code_budget=code_budget,
            counted=budget.counted,
        )

    check(budget.remaining)
    spends = any(
        a.reason == Reason.WRONG_CODE and (a.typed[:40], a.code_digest) not in budget.counted
        for a in only_answers
    )
    if spends:
        budget.organisation_spent = organisation_spent_locked(membership)
        check(budget.remaining)
    if any(not a.ok for a in only_answers):
        return refuse()

    redeemed = [a.cheque for a in only_answers]
    if error := activity_date_cheques_error(activity["date"], redeemed):
        raise ValidationError({"date": error})
    people = []
    for cheque in redeemed:
        if cheque.chequebook.beneficiary_id not in people:
            people.append(cheque.chequebook.beneficiary_id)
    referral, place = activity["referral"], activity["place"]
    if referral is not None:
        if refusal := referral_refusal(referral, membership):
            raise ValidationError({"referral": refusal})
        if referral.beneficiary_id not in people:
            raise ValidationError(
                {
                    "referral": "Cette orientation concerne une autre personne que les "
                    "chèques saisis."
                }
            )
    if place is not None and place.organisation_id != organisation.pk:
        raise ValidationError({"place": "Ce lieu n'appartient pas à votre structure."})
    for cheque in redeemed:
        CHEQUE_REDEEM.check(cheque.state)

    now = timezone.now()
    submission = RedemptionSubmission(token=token, mediator=organisation, user=user, created_at=now)
    created = Activity(
        mediator=organisation,
        place=place,
        kind=activity["kind"],
        date=activity["date"],
        duration_minutes=activity["duration_minutes"],
        themes=list(activity["themes"] or []),
        referral=referral,
        notes=activity["notes"],
        created_by=user,
        created_at=now,
    )
    redemptions = [
        Redemption(
            cheque=cheque,
            mediator=organisation,
            beneficiary_id=cheque.chequebook.beneficiary_id,
            activity=created,
            submission=submission,
            face_value_cents=cheque.chequebook.vintage.face_value_cents,
            mediator_net_cents=cheque.chequebook.vintage.mediator_net_cents,
            redeemed_by=user,
            redeemed_at=now,
        )
        for cheque in redeemed
    ]
    entries = [
        journal.CHEQUE_REDEEMED.entry(
            actor=user,
            organisation=organisation,
            target=cheque,
            activity=created.get_kind_display(),
        )
        for cheque in redeemed
    ]
    _redemption_write(
        submission=submission,
        activity=created,
        people=people,
        redemptions=redemptions,
        entries=entries,
        now=now,
    )
    for answer in only_answers:
        answer.cheque.state = CHEQUE_REDEEM.target
        answer.message = "Chèque encaissé."
    if referral is not None:
        referral_answered(referral, membership)
    return RedemptionResult(
        ok=True, answers=only_answers, activity=created, redemptions=redemptions
    )


def _redemption_write(*, submission, activity, people, redemptions, entries, now) -> None:
    """Write a redemption already checked under its locks: the submission (its token is
    unique), the activity and its participants, one Redemption per cheque (one-to-one with
    the cheque), each cheque's move to CHEQUE_REDEEM's target (only from its sources: a cheque
    that moved meanwhile fails the whole write) and one journal entry per cheque. All or
    nothing: a failure raises IntegrityError inside the caller's transaction.

    On PostgreSQL it is ONE statement: data-modifying CTEs (INSERT … RETURNING feeding the
    next INSERT, the UPDATE counted), with the columns and values Django itself would write
    (the models' concrete fields, their database values), so the constraints and triggers on
    these tables act as for the ORM's statements. Elsewhere (SQLite) the ORM writes them one by
    one. Fills in the instances' primary keys either way."""
    cheque_ids = [r.cheque_id for r in redemptions]
    if connection.vendor != "postgresql":
        submission.save()
        activity.save()
        activity.participants.add(*people)
        for r in redemptions:
            r.activity, r.submission = activity, submission
        Redemption.objects.bulk_create(redemptions)
        moved = Cheque.objects.filter(pk__in=cheque_ids, state__in=CHEQUE_REDEEM.sources).update(
            state=CHEQUE_REDEEM.target
        )
        if moved != len(cheque_ids):
            raise IntegrityError("cheque state changed under lock")
        type(entries[0]).objects.bulk_create(entries)
        return

    quote = connection.ops.quote_name
    params: list = []

    def row(instance, *, computed=None):
        """A VALUES row of ``instance``'s concrete fields (but its primary key); ``computed``:
        columns whose value is SQL (a CTE's id)."""
        computed = computed or {}
        placeholders = []
        for f in instance._meta.concrete_fields:
            if f.primary_key:
                continue
            if f.column in computed:
                placeholders.append(computed[f.column])
            else:
                placeholders.append("%s")
                params.append(f.get_db_prep_save(f.pre_save(instance, True), connection))
        return "(" + ", ".join(placeholders) + ")"

    def columns(model):
        return ", ".join(quote(f.column) for f in model._meta.concrete_fields if not f.primary_key)

    def insert(model, rows, returning="id"):
        table = quote(model._meta.db_table)
        values = ", ".join(rows)
        return f"INSERT INTO {table} ({columns(model)}) VALUES {values} RETURNING {returning}"

    through = Activity.participants.through
    through_activity = through._meta.get_field("activity").column
    through_person = through._meta.get_field("beneficiary").column
    cheque_table = quote(Cheque._meta.db_table)
    state = quote(Cheque._meta.get_field("state").column)
    link = {
        Redemption._meta.get_field("activity").column: "(SELECT id FROM act)",
        Redemption._meta.get_field("submission").column: "(SELECT id FROM sub)",
    }
    # In the order of the statement's placeholders.
    sub_sql = insert(RedemptionSubmission, [row(submission)])
    act_sql = insert(Activity, [row(activity)])
    person_rows = []
    for person in people:
        person_rows.append("((SELECT id FROM act), %s)")
        params.append(person)
    red_sql = insert(Redemption, [row(r, computed=link) for r in redemptions], "id, cheque_id")
    jrn_sql = insert(type(entries[0]), [row(e) for e in entries])
    params += [str(CHEQUE_REDEEM.target), cheque_ids, [str(s) for s in CHEQUE_REDEEM.sources]]
    sql = f"""
        WITH sub AS ({sub_sql}),
        act AS ({act_sql}),
        part AS (
            INSERT INTO {quote(through._meta.db_table)}
                ({quote(through_activity)}, {quote(through_person)})
            VALUES {", ".join(person_rows)}
        ),
        red AS ({red_sql}),
        jrn AS ({jrn_sql}),
        chq AS (
            UPDATE {cheque_table} SET {state} = %s
            WHERE id = ANY(%s) AND {state} = ANY(%s) RETURNING id
        )
        SELECT (SELECT id FROM sub), (SELECT id FROM act), (SELECT count(*) FROM chq),
            (SELECT array_agg(id ORDER BY cheque_id) FROM red),
            (SELECT array_agg(id ORDER BY id) FROM jrn)
    """
    with prepared_cursor() as cursor:  # one text per number of cheques and people
        cursor.execute(sql, params)
        sub_id, act_id, moved, redemption_ids, entry_ids = cursor.fetchone()
    if moved != len(cheque_ids):
        raise IntegrityError("cheque state changed under lock")
    for instance, pk in ((submission, sub_id), (activity, act_id)):
        instance.pk = pk
        instance._state.adding = False
    for r, pk in zip(sorted(redemptions, key=lambda r: r.cheque_id), redemption_ids, strict=True):
        r.pk, r._state.adding = pk, False
        r.activity, r.submission = activity, submission
    for e, pk in zip(entries, entry_ids, strict=True):
        e.pk, e._state.adding = pk, False
