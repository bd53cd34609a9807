"""Monthly statements: totals in cents, Paris months, gapless numbers, frozen PDF, statuses,
cheques frozen once on a statement, accounting export."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from chequebooks.models import Cheque, ChequeState
from chequebooks.states import CHEQUE_CANCEL, CHEQUE_HAND_OVER, CHEQUE_REDEEM
from mediation.models import Redemption, RedemptionOnStatement, Statement, StatementStatus
from mediation.services import (
    statement_issue,
    statement_pay,
    statement_send,
    statement_validate,
    statements_accounting_csv,
    statements_issue_for_month,
)
from mediation.tasks import statements_issue_monthly
from passnum.audit.models import JournalEntry
from passnum.audit.transitions import IllegalTransition
from passnum.core.dates import PARIS

from .conftest import handed_out, make_mediator

pytestmark = pytest.mark.django_db


def paris(*args):
    return datetime.datetime(*args, tzinfo=PARIS)


def redeem_at(redeem, cheques, when, **kwargs):
    """Redeem now, then date the redemptions (statements only read ``redeemed_at``)."""
    result = redeem(cheques, **kwargs)
    assert result.ok, [a.message for a in result.answers]
    Redemption.objects.filter(activity=result.activity).update(redeemed_at=when)
    return result


def last_month():
    first = timezone.localdate().replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1)


def test_seven_cheques_give_integer_cent_totals(mediator, chequebook, redeem):
    redeem_at(
        redeem,
        list(chequebook.cheques.order_by("position")[:7]),
        paris(*last_month().timetuple()[:3], 10),
    )
    statement = statement_issue(mediator=mediator.organisation, period_start=last_month())
    vintage = chequebook.vintage
    assert statement.cheque_count == 7
    assert statement.face_value_cents == 7 * vintage.face_value_cents == 7000
    assert statement.net_cents == 7 * vintage.mediator_net_cents == 6720  # 67,20 €
    assert statement.fees_cents == statement.face_value_cents - statement.net_cents == 280


def test_a_statement_takes_the_paris_month(mediator, chequebook, redeem):
    """23:30 on 31 October in Paris is October, although 22:30 UTC... and 00:30 on
    1 November in Paris is November, although it is still 31 October in UTC."""
    one, two = chequebook.cheques.order_by("position")[:2]
    redeem_at(redeem, [one], paris(2026, 10, 31, 23, 30))
    redeem_at(redeem, [two], paris(2026, 11, 1, 0, 30))
    october = statement_issue(
        mediator=mediator.organisation, period_start=datetime.date(2026, 10, 1)
    )
    assert october.cheque_count == 1
    assert october.redemptions.get().cheque == one
    november = statement_issue(
        mediator=mediator.organisation, period_start=datetime.date(2026, 11, 1)
    )
    assert november.redemptions.get().cheque == two


def test_statement_cheques_move_to_on_statement_then_paid(mediator, chequebook, redeem, manager):
    cheques = list(chequebook.cheques.order_by("position")[:3])
    redeem_at(redeem, cheques, paris(*last_month().timetuple()[:3], 10))
    statement = statement_issue(mediator=mediator.organisation, period_start=last_month())
    assert set(
        Cheque.objects.filter(pk__in=[c.pk for c in cheques]).values_list("state", flat=True)
    ) == {ChequeState.ON_STATEMENT}
    statement_validate(statement=statement, membership=manager)
    statement_send(statement=statement, membership=manager)
    with pytest.raises(ValidationError, match="Indiquez la référence du paiement"):
        statement_pay(
            statement=statement, membership=manager, paid_at=timezone.localdate(), reference=""
        )
    statement = statement_pay(
        statement=statement, membership=manager, paid_at=timezone.localdate(), reference="VIR-1"
    )
    assert statement.status == StatementStatus.PAID and statement.payment_reference == "VIR-1"
    assert set(
        Cheque.objects.filter(pk__in=[c.pk for c in cheques]).values_list("state", flat=True)
    ) == {ChequeState.PAID}


def test_statuses_follow_their_order(mediator, chequebook, redeem, manager):
    redeem_at(redeem, list(chequebook.cheques.all()[:1]), paris(*last_month().timetuple()[:3], 10))
    statement = statement_issue(mediator=mediator.organisation, period_start=last_month())
    with pytest.raises(ValidationError, match="« Émis » : cette étape n'est pas possible"):
        statement_send(statement=statement, membership=manager)  # not validated yet
    with pytest.raises(ValidationError, match="Seul un gestionnaire du programme"):
        statement_validate(statement=statement, membership=mediator)  # not a manager
    statement_validate(statement=statement, membership=manager)
    with pytest.raises(ValidationError, match="« Validé » : cette étape n'est pas possible"):
        statement_validate(statement=statement, membership=manager)


def test_a_cheque_on_a_statement_can_no_longer_be_cancelled_or_unredeemed(
    mediator, chequebook, redeem, manager
):
    from chequebooks.services import cheque_cancel, chequebook_cancel

    cheque = chequebook.cheques.order_by("position").first()
    redeem_at(redeem, [cheque], paris(*last_month().timetuple()[:3], 10))
    statement_issue(mediator=mediator.organisation, period_start=last_month())
    cheque.refresh_from_db()
    assert cheque.state == ChequeState.ON_STATEMENT
    for transition in (CHEQUE_CANCEL, CHEQUE_HAND_OVER, CHEQUE_REDEEM):
        with pytest.raises(IllegalTransition, match="on_statement"):
            transition.check(cheque.state)
    with pytest.raises(ValidationError, match="Changement d'état impossible"):
        cheque_cancel(cheque=cheque, reason="Perte", membership=manager)
    chequebook_cancel(chequebook=chequebook, reason="Vol", membership=manager)
    cheque.refresh_from_db()
    assert cheque.state == ChequeState.ON_STATEMENT  # the stated cheque stays as it was


@pytest.fixture
def stated(mediator, chequebook, redeem):
    """A statement with two redemptions, and one redemption of this month not yet stated."""
    cheques = list(chequebook.cheques.order_by("position")[:3])
    redeem_at(redeem, cheques[:2], paris(*last_month().timetuple()[:3], 10))
    statement = statement_issue(mediator=mediator.organisation, period_start=last_month())
    assert redeem([cheques[2]]).ok
    return statement


def test_a_redemption_on_a_statement_cannot_be_deleted_nor_unlinked(stated):
    on = stated.redemptions.order_by("id").first()
    with pytest.raises(RedemptionOnStatement):
        on.delete()
    with pytest.raises(RedemptionOnStatement):
        Redemption.objects.filter(pk=on.pk).delete()
    with pytest.raises(RedemptionOnStatement):
        Redemption.objects.all().delete()
    with pytest.raises(RedemptionOnStatement):
        Redemption.objects.filter(pk=on.pk).update(statement=None)
    with pytest.raises(RedemptionOnStatement):
        stated.redemptions.update(mediator_net_cents=1)
    on.statement = None
    with pytest.raises(RedemptionOnStatement):
        on.save()
    assert stated.redemptions.count() == 2 and Redemption.objects.count() == 3


def test_a_redemption_not_yet_stated_stays_free(stated, redeem):
    """Only a redemption on a statement is frozen. One not yet stated may still change and be
    un-redeemed: its row goes, and its cheque, once back in hand, is redeemed again (the
    one-to-one no longer holds it). The stated ones stay as they were."""
    free = Redemption.objects.get(statement__isnull=True)
    cheque = free.cheque
    Redemption.objects.filter(pk=free.pk).update(redeemed_at=paris(2020, 1, 1, 10))
    free.refresh_from_db()
    assert free.redeemed_at == paris(2020, 1, 1, 10)
    free.mediator_net_cents = 1
    free.save()  # nothing frozen yet
    assert Redemption.objects.get(pk=free.pk).mediator_net_cents == 1
    on = stated.redemptions.first()
    on.save()  # saving a stated one unchanged is harmless

    free.delete()
    assert not Redemption.objects.filter(pk=free.pk).exists()
    Cheque.objects.filter(pk=cheque.pk).update(state=ChequeState.HANDED_OUT)  # back in hand
    again = redeem([cheque])
    assert again.ok, [a.message for a in again.answers]
    cheque.refresh_from_db()
    assert cheque.state == ChequeState.REDEEMED
    assert Redemption.objects.get(cheque=cheque).statement_id is None
    assert stated.redemptions.count() == 2
    assert set(stated.redemptions.values_list("mediator_net_cents", flat=True)) == {960}


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM mediation_redemption WHERE id = %s",
        "UPDATE mediation_redemption SET statement_id = NULL WHERE id = %s",
        "UPDATE mediation_redemption SET mediator_net_cents = 1 WHERE id = %s",
        "UPDATE mediation_redemption SET cheque_id = cheque_id + 1000000 WHERE id = %s",
    ],
)
def test_postgresql_refuses_to_unredeem_a_stated_cheque(stated, sql):
    from django.db import DatabaseError, transaction

    on = stated.redemptions.order_by("id").first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [on.pk])
    on.refresh_from_db()
    assert on.statement_id == stated.pk and on.mediator_net_cents == 960


@pytest.mark.postgres
def test_postgresql_leaves_a_redemption_not_yet_stated_free(stated):
    free = Redemption.objects.get(statement__isnull=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE mediation_redemption SET statement_id = %s WHERE id = %s",
            [stated.pk, free.pk],
        )
    assert Redemption.objects.get(pk=free.pk).statement_id == stated.pk


def test_issuing_twice_changes_nothing_and_the_monthly_task_is_idempotent(
    mediator, other_mediator, vintage, envelope, redeem
):
    when = paris(*last_month().timetuple()[:3], 10)
    redeem_at(redeem, list(handed_out(vintage, envelope).cheques.all()[:2]), when)
    redeem_at(
        redeem,
        list(handed_out(vintage, envelope).cheques.all()[:3]),
        when,
        membership=other_mediator,
    )
    first = statements_issue_monthly.delay().get()
    assert sorted(first["issued"]) == sorted(Statement.objects.values_list("pk", flat=True))
    assert len(first["issued"]) == 2 and first["held"] == []
    assert statements_issue_monthly.delay().get() == {"issued": [], "held": []}
    assert Statement.objects.count() == 2
    assert statement_issue(mediator=mediator.organisation, period_start=last_month()) is None
    mine = Statement.objects.get(mediator=mediator.organisation)
    assert mine.cheque_count == 2 and mine.period_start == last_month()


def test_a_month_produced_early_gets_a_further_statement_on_the_1st(
    mediator, vintage, envelope, redeem
):
    """A manager produces the current month on the 10th; redemptions of the 20th go on a
    second statement of that month, issued by the run of the 1st, with the next number."""
    book = handed_out(vintage, envelope, handed_out_at=paris(2026, 3, 2, 10))
    cheques = list(book.cheques.order_by("position")[:5])
    with freeze_time("2026-03-10 09:00:00"):
        redeem_at(redeem, cheques[:2], paris(2026, 3, 9, 10))
        early = statement_issue(
            mediator=mediator.organisation, period_start=datetime.date(2026, 3, 1)
        )
    with freeze_time("2026-03-20 09:00:00"):
        redeem_at(redeem, cheques[2:5], paris(2026, 3, 20, 10))
    with freeze_time("2026-04-01 06:00:00"):
        (later,) = statements_issue_monthly.delay().get()["issued"]
    later = Statement.objects.get(pk=later)
    assert later.period_start == early.period_start == datetime.date(2026, 3, 1)
    assert (early.cheque_count, later.cheque_count) == (2, 3)
    assert later.number == early.number + 1
    assert later.net_cents == 3 * 960
    assert Redemption.objects.filter(statement__isnull=True).count() == 0


def test_nothing_to_state_gives_no_statement(mediator):
    assert statement_issue(mediator=mediator.organisation, period_start=last_month()) is None
    assert not Statement.objects.exists()


def test_numbers_follow_each_other(mediator, other_mediator, vintage, envelope, redeem):
    when = paris(*last_month().timetuple()[:3], 10)
    redeem_at(redeem, list(handed_out(vintage, envelope).cheques.all()[:1]), when)
    redeem_at(
        redeem,
        list(handed_out(vintage, envelope).cheques.all()[:1]),
        when,
        membership=other_mediator,
    )
    run = statements_issue_for_month(period_start=last_month())
    numbers = sorted(s.number for s in run.issued)
    assert numbers == list(range(numbers[0], numbers[0] + 2))


def test_the_pdf_is_the_same_bytes_at_every_download(mediator, chequebook, redeem, login):
    redeem_at(redeem, list(chequebook.cheques.all()[:3]), paris(*last_month().timetuple()[:3], 10))
    statement = statement_issue(mediator=mediator.organisation, period_start=last_month())
    client = login(mediator)
    url = reverse("mediation:statement_pdf", args=[statement.pk])
    first = b"".join(client.get(url).streaming_content)
    with freeze_time(timezone.now() + datetime.timedelta(days=40)):
        client = login(mediator)
        second = b"".join(client.get(url).streaming_content)
    assert first.startswith(b"%PDF") and first == second
    from passnum.pdf import sha256

    assert sha256(first) == statement.file_sha256


def test_the_pdf_is_rendered_once(mediator, chequebook, redeem, monkeypatch):
    from mediation.services import statements as services

    redeem_at(redeem, list(chequebook.cheques.all()[:1]), paris(*last_month().timetuple()[:3], 10))
    calls = []
    real = services.render_pdf
    monkeypatch.setattr(services, "render_pdf", lambda *a, **k: calls.append(1) or real(*a, **k))
    statement_issue(mediator=mediator.organisation, period_start=last_month())
    statement_issue(mediator=mediator.organisation, period_start=last_month())
    assert len(calls) == 1


def test_accounting_export_lists_validated_statements_with_iban(
    mediator, other_mediator, vintage, envelope, redeem, manager, login
):
    when = paris(*last_month().timetuple()[:3], 10)
    redeem_at(redeem, list(handed_out(vintage, envelope).cheques.all()[:2]), when)
    redeem_at(
        redeem,
        list(handed_out(vintage, envelope).cheques.all()[:1]),
        when,
        membership=other_mediator,
    )
    a, b = statements_issue_for_month(period_start=last_month()).issued
    statement_validate(statement=a, membership=manager)
    response = login(manager).get(reverse("mediation:statements_export"))
    content = response.content.decode("utf-8-sig")
    assert response.status_code == 200
    assert a.mediator.name in content and b.mediator.name not in content
    assert a.mediator.mediator_profile.iban in content
    assert JournalEntry.objects.filter(action="mediation.statements.exported").exists()
    with pytest.raises(ValidationError, match="Seul un gestionnaire du programme"):
        statements_accounting_csv(statements=Statement.objects.all(), membership=mediator)


# --- PostgreSQL: gapless numbers under concurrency --------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_statement_numbers_have_no_gap_nor_duplicate_under_concurrency(vintage, envelope):
    from mediation.services import ChequeLine, redemption_submit

    when = paris(*last_month().timetuple()[:3], 10)
    mediators = [make_mediator(name=f"Concurrent {i}") for i in range(6)]
    for i, membership in enumerate(mediators):
        book = handed_out(vintage, envelope)
        result = redemption_submit(
            membership=membership,
            token=f"gapless-{i}",
            lines=[ChequeLine(str(c.number), "K7M9P2QX") for c in book.cheques.all()[:2]],
            kind="individual",
            date=timezone.localdate(),
            duration_minutes=30,
            themes=[],
        )
        assert result.ok
    Redemption.objects.update(redeemed_at=when)
    barrier = threading.Barrier(len(mediators) * 2)
    errors = []

    def issue(organisation):
        try:
            barrier.wait()
            statement_issue(mediator=organisation, period_start=last_month())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    # Each mediator twice: the second call waits for the first, then finds nothing to state.
    threads = [
        threading.Thread(target=issue, args=(m.organisation,)) for m in mediators for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    numbers = sorted(Statement.objects.values_list("number", flat=True))
    assert len(numbers) == len(mediators)
    assert numbers == list(range(numbers[0], numbers[0] + len(mediators)))
    assert Redemption.objects.filter(statement__isnull=True).count() == 0


NEW_IBAN = "FR1420041010050500013M02606"


def test_no_statement_is_issued_while_bank_details_await_revalidation(
    mediator, other_mediator, vintage, envelope, redeem, manager, login
):
    """The statement PDF prints the IBAN: a mediator whose bank details changed is held back
    (named), the others are issued; its redemptions wait and go on the next run's statement
    once a manager re-validated."""
    from passnum.directory.services import mediator_bank_details_confirm, mediator_profile_update

    when = paris(*last_month().timetuple()[:3], 10)
    redeem_at(redeem, list(handed_out(vintage, envelope).cheques.all()[:2]), when)
    redeem_at(
        redeem,
        list(handed_out(vintage, envelope).cheques.all()[:1]),
        when,
        membership=other_mediator,
    )
    profile = mediator.organisation.mediator_profile
    mediator_profile_update(profile=profile, membership=mediator, iban=NEW_IBAN)

    with pytest.raises(ValidationError, match="revalider"):
        statement_issue(mediator=mediator.organisation, period_start=last_month())
    run = statements_issue_for_month(period_start=last_month())
    assert [s.mediator for s in run.issued] == [other_mediator.organisation]
    assert run.held == [mediator.organisation.name]
    assert Redemption.objects.filter(mediator=mediator.organisation, statement=None).count() == 2

    result = statements_issue_monthly.delay().get()
    assert result == {"issued": [], "held": [mediator.organisation.name]}

    client = login(manager)
    response = client.post(
        reverse("mediation:statements_produce"), {"period": last_month().isoformat()}, follow=True
    )
    body = response.content.decode()
    assert "coordonnées bancaires à revalider" in body and mediator.organisation.name in body

    mediator_bank_details_confirm(profile=profile, membership=manager)
    (later,) = statements_issue_for_month(period_start=last_month()).issued
    assert later.mediator == mediator.organisation and later.cheque_count == 2


def test_bank_details_changes_are_journaled_masked_and_shown_to_revalidate(
    mediator, manager, login
):
    from passnum.directory.services import mediator_bank_details_confirm, mediator_profile_update

    profile = mediator.organisation.mediator_profile
    old_iban = profile.iban
    mediator_profile_update(profile=profile, membership=mediator, iban=NEW_IBAN, bic="BNPAFRPP")
    entry = JournalEntry.objects.filter(action="mediation.profile.bank_details_changed").get()
    old_masked = f"{old_iban[:4]} •••• {old_iban[-4:]}"
    assert f"IBAN {old_masked} → FR14 •••• 2606" in entry.details["changes"]
    assert "→ BNPAFRPP" in entry.details["changes"]
    assert old_iban not in str(entry.details) and NEW_IBAN not in str(entry.details)
    assert "FR14 •••• 2606" in entry.sentence

    client = login(manager)
    page = reverse("mediation:mediator_detail", args=[mediator.organisation.pk])
    body = client.get(page).content.decode()
    section = body[body.index("Modifications à revalider") : body.index("Revalider les")]
    assert old_masked in section and "FR14 •••• 2606" in section and "BNPAFRPP" in section

    mediator_bank_details_confirm(profile=profile, membership=manager)
    body = client.get(page).content.decode()
    assert "Modifications à revalider" not in body


def test_one_mediator_to_revalidate_does_not_block_the_others_export(
    mediator, other_mediator, vintage, envelope, redeem, manager, login
):
    """The accounting export carries the other mediators' validated statements; the held one
    is named on the statements page, and an export with nothing left says so."""
    from passnum.directory.services import mediator_bank_details_confirm, mediator_profile_update

    when = paris(*last_month().timetuple()[:3], 10)
    redeem_at(redeem, list(handed_out(vintage, envelope).cheques.all()[:2]), when)
    redeem_at(
        redeem,
        list(handed_out(vintage, envelope).cheques.all()[:1]),
        when,
        membership=other_mediator,
    )
    for statement in statements_issue_for_month(period_start=last_month()).issued:
        statement_validate(statement=statement, membership=manager)
    mediator_profile_update(
        profile=mediator.organisation.mediator_profile, membership=mediator, iban=NEW_IBAN
    )
    client = login(manager)
    listing = client.get(reverse("mediation:statement_list")).content.decode()
    assert "Laissés hors de l&#x27;export" in listing or "Laissés hors de l'export" in listing
    assert mediator.organisation.name in listing[listing.index("export-held") :]

    response = client.get(reverse("mediation:statements_export"))
    content = response.content.decode("utf-8-sig")
    assert response.status_code == 200
    assert other_mediator.organisation.name in content
    assert mediator.organisation.name not in content and NEW_IBAN not in content
    entry = JournalEntry.objects.filter(action="mediation.statements.exported").latest("id")
    assert entry.details == {"count": 1, "held": mediator.organisation.name}

    mediator_profile_update(
        profile=other_mediator.organisation.mediator_profile,
        membership=other_mediator,
        bic="BNPAFRPP",
    )
    nothing = client.get(reverse("mediation:statements_export"), follow=True)
    assert nothing.redirect_chain[-1][0] == reverse("mediation:statement_list")
    body = nothing.content.decode()
    assert "Aucun relevé à exporter" in body and other_mediator.organisation.name in body

    mediator_bank_details_confirm(
        profile=mediator.organisation.mediator_profile, membership=manager
    )
    content = client.get(reverse("mediation:statements_export")).content.decode("utf-8-sig")
    assert NEW_IBAN in content


def test_the_statement_page_says_when_the_pdf_iban_is_no_longer_the_one_paid(
    mediator, chequebook, redeem, manager, login
):
    """The PDF keeps the IBAN checked at issue; once the mediator's IBAN changed and was
    re-validated, the manager's page says the PDF and the export differ (both masked)."""
    from passnum.directory.services import mediator_bank_details_confirm, mediator_profile_update

    redeem_at(redeem, list(chequebook.cheques.all()[:1]), paris(*last_month().timetuple()[:3], 10))
    statement = statement_issue(mediator=mediator.organisation, period_start=last_month())
    profile = mediator.organisation.mediator_profile
    old_iban = profile.iban
    assert statement.printed_iban == old_iban
    client = login(manager)
    url = reverse("mediation:statement_detail", args=[statement.pk])
    assert "le PDF porte l" not in client.get(url).content.decode()

    mediator_profile_update(profile=profile, membership=mediator, iban=NEW_IBAN)
    mediator_bank_details_confirm(profile=profile, membership=manager)
    body = client.get(url).content.decode()
    assert f"{old_iban[:4]} •••• {old_iban[-4:]}" in body and "FR14 •••• 2606" in body
    assert NEW_IBAN not in body
    mine = login(mediator).get(url).content.decode()
    assert "le PDF porte l" not in mine
