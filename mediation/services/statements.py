"""Monthly statements (relevés de contre-paiement): issued once a month (or early), validated,
sent for payment and paid by a programme manager; never while the mediator's bank details
await re-validation."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from chequebooks.models import Cheque
from chequebooks.states import CHEQUE_PAY, CHEQUE_PUT_ON_STATEMENT
from passnum.audit.transitions import Transition
from passnum.core.dates import month_start, next_month, paris_midnight, previous_month
from passnum.core.services import counter_next
from passnum.core.storage import file_record_once
from passnum.directory.models import MediatorProfile
from passnum.directory.services import bank_value_masked, mediator_profile_for
from passnum.organisations.models import Organisation
from passnum.organisations.roles import require_programme_manager
from passnum.pdf import render_pdf, sha256

from .. import journal
from ..models import Agreement, Redemption, Statement, StatementStatus


def _require_bank_details_confirmed(mediator, *, lock: bool = False) -> None:
    """Rule: nothing is issued or paid for a mediator whose bank details (SIRET, IBAN, BIC)
    changed since a manager last validated them. With ``lock``, the profile's row is locked, so
    a change of bank details waits for the statement being issued."""
    profiles = MediatorProfile.objects.filter(organisation=mediator)
    if lock:
        profiles = profiles.select_for_update()
    if any(profiles.values_list("bank_details_to_confirm", flat=True)):
        raise ValidationError(
            f"Les coordonnées bancaires de {mediator} ont changé : un gestionnaire doit les "
            "revalider (fiche de la structure) avant toute suite de paiement."
        )


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
        _require_bank_details_confirmed(mediator, lock=True)
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
        moved = Cheque.objects.filter(
            pk__in=cheque_ids, state__in=CHEQUE_PUT_ON_STATEMENT.sources
        ).update(state=CHEQUE_PUT_ON_STATEMENT.target)
        if moved != len(cheque_ids):
            raise IntegrityError("a redeemed cheque was not in state redeemed")
        # The IBAN printed is the one checked now, under the profile's lock; the PDF is
        # rendered by the worker once the statement is committed (statement_render).
        statement.printed_iban = mediator_profile_for(mediator).iban
        statement.save(update_fields=["printed_iban"])
        statement_render_queue(statement)
        journal.STATEMENT_ISSUED.record(
            actor=membership.user if membership else None,
            organisation=membership.organisation if membership else None,
            target=statement,
            mediator=mediator.name,
            count=len(redemptions),
            period=f"{period_start:%m/%Y}",
        )
    return statement


def statement_render_queue(statement: Statement) -> None:
    """Queue the rendering of the statement's PDF, run by the worker after commit."""
    from ..tasks import statement_render as statement_render_task

    transaction.on_commit(lambda: statement_render_task.delay(statement.pk))


def statement_render(statement: Statement) -> Statement:
    """Render the statement's PDF (in the worker: never inside a web request).

    Rules: rendered once: a statement that has its file keeps it; the bytes depend only on
    the statement (its number and lines, the IBAN printed at issue, its issue time as the
    PDF's date), so a rerun after a worker was killed mid-way gives the same bytes; they are
    written whole (temporary file, then rename) and recorded with their SHA-256 only if no
    other rendering recorded its file first (``file_record_once``)."""
    if statement.file:
        return statement
    lines = statement.redemptions.select_related(
        "cheque", "activity", "cheque__chequebook__vintage"
    ).order_by("redeemed_at", "cheque__number")
    profile = mediator_profile_for(statement.mediator)
    pdf = render_pdf(
        "mediation/pdf/statement.html",
        {"statement": statement, "lines": lines, "profile": profile},
        title=str(statement),
        created=statement.issued_at,
    )
    file_record_once(
        statement,
        field="file",
        name=f"releve-{statement.number}.pdf",
        data=pdf,
        file_sha256=sha256(pdf),
    )
    return statement


def pdfs_render_missing() -> int:
    """The statements and agreements whose PDF is still missing (a task lost, a worker
    killed) are queued again; beat runs it daily. Returns how many were queued."""
    from ..tasks import agreement_render as agreement_render_task
    from ..tasks import statement_render as statement_render_task

    count = 0
    for pk in Statement.objects.filter(file="").values_list("pk", flat=True):
        statement_render_task.delay(pk)
        count += 1
    for pk in Agreement.objects.filter(file="").values_list("pk", flat=True):
        agreement_render_task.delay(pk)
        count += 1
    return count


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
    for mediator in Organisation.objects.filter(pk__in=list(mediator_ids)).order_by("pk"):
        try:
            statement = statement_issue(
                mediator=mediator, period_start=period_start, membership=membership
            )
        except ValidationError:  # bank details to re-validate (_require_bank_details_confirmed)
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


#: The statement's workflow after its issue: validated, sent for payment, paid.
STATEMENT_VALIDATE = Transition(
    "statement.validate",
    sources=(StatementStatus.ISSUED,),
    target=StatementStatus.VALIDATED,
    event=journal.STATEMENT_VALIDATED,
    field="status",
)
STATEMENT_SEND = Transition(
    "statement.send",
    sources=(StatementStatus.VALIDATED,),
    target=StatementStatus.SENT_FOR_PAYMENT,
    event=journal.STATEMENT_SENT,
    field="status",
)
STATEMENT_PAY = Transition(
    "statement.pay",
    sources=(StatementStatus.SENT_FOR_PAYMENT,),
    target=StatementStatus.PAID,
    event=journal.STATEMENT_PAID,
    field="status",
)


STATEMENT_STEPS = (STATEMENT_VALIDATE, STATEMENT_SEND, STATEMENT_PAY)


def statement_next_step(statement) -> str | None:
    """The name of the one step that leaves from the statement's status (validate, send,
    pay), or None once it is paid: the page offers that step's button, nothing else."""
    return next((t.name for t in STATEMENT_STEPS if t.allowed_from(statement.status)), None)


def statement_validate(*, statement: Statement, membership) -> Statement:
    """A programme manager validates an issued statement (STATEMENT_VALIDATE); refused while
    the mediator's bank details await re-validation."""

    def stamp(locked):
        locked.validated_at, locked.validated_by = timezone.now(), membership.user
        return ("validated_at", "validated_by"), {}

    return _statement_move(statement, membership, STATEMENT_VALIDATE, stamp)


def statement_send(*, statement: Statement, membership) -> Statement:
    """A validated statement is sent to the finance department for payment (STATEMENT_SEND);
    refused while the mediator's bank details await re-validation."""

    def stamp(locked):
        locked.sent_at = timezone.now()
        return ("sent_at",), {}

    return _statement_move(statement, membership, STATEMENT_SEND, stamp)


def statement_pay(
    *, statement: Statement, membership, paid_at: datetime.date, reference: str
) -> Statement:
    """The payment is recorded (date and reference; STATEMENT_PAY); the statement's cheques
    become paid (chequebooks' CHEQUE_PAY)."""
    if not (reference or "").strip():
        raise ValidationError({"reference": "Indiquez la référence du paiement."})
    reference = reference.strip()

    def stamp(locked):
        locked.paid_at, locked.payment_reference = paid_at, reference
        Cheque.objects.filter(redemption__statement=locked, state__in=CHEQUE_PAY.sources).update(
            state=CHEQUE_PAY.target
        )
        return ("paid_at", "payment_reference"), {"reference": reference}

    return _statement_move(statement, membership, STATEMENT_PAY, stamp)


def _statement_move(statement, membership, transition: Transition, stamp) -> Statement:
    """One step of the statement's workflow, by a programme manager, the row locked: the
    statement must be in the transition's source status; validating and sending wait for the
    mediator's bank details to be re-validated. ``stamp`` writes the step's own fields and
    returns them with the journal's details."""
    require_programme_manager(membership)
    with transaction.atomic():
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        if not transition.allowed_from(statement.status):
            raise ValidationError(
                f"Ce relevé est « {statement.get_status_display()} » : "
                "cette étape n'est pas possible."
            )
        if transition in (STATEMENT_VALIDATE, STATEMENT_SEND):
            _require_bank_details_confirmed(statement.mediator)
        fields, details = stamp(statement)
        transition.apply(
            statement,
            actor=membership.user,
            organisation=membership.organisation,
            update_fields=fields,
            details=details,
        )
    return statement
