"""End of a vintage (year N): D-30 alert, D-15 freeze, expiry after 31 January N+1."""

import datetime

import pytest
from django.core import mail
from django.db.models import Count
from freezegun import freeze_time

from chequebooks.models import Cheque, ChequebookState, ChequeState
from chequebooks.selectors import vintage_reconciliation
from chequebooks.services import (
    chequebook_hand_over,
    vintage_end_run,
    vintage_freeze_lift,
)
from chequebooks.states import UNREDEEMED_STATES
from chequebooks.tasks import vintage_end_run as vintage_end_task
from passnum.programme.models import Vintage
from passnum.programme.vintages import (
    distributable_q,
    not_frozen_q,
    vintage_is_distributable,
    vintage_is_frozen,
)
from tests.factories import (
    ChequebookFactory,
    FrontDeskFactory,
    VintageFactory,
    cd12_beneficiary,
    cd12_envelope,
    desk_chequebook,
    evaluator_membership,
    manager_membership,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(django_capture_on_commit_callbacks):
    """Vintage 2026: a desk holding two chequebooks, one handed out, one in stock."""
    with freeze_time("2026-06-15 10:00"):
        vintage = VintageFactory(year=2026)
        manager = manager_membership()
        desk = FrontDeskFactory(email="accueil@example.org")
        agent = evaluator_membership(desk)
        held = desk_chequebook(desk, vintage=vintage)
        handed = desk_chequebook(desk, vintage=vintage)
        chequebook_hand_over(
            chequebook=handed, beneficiary=cd12_beneficiary(desk), membership=agent
        )
        stock = ChequebookFactory(vintage=vintage, envelope=cd12_envelope())
        idle_desk = FrontDeskFactory(email="autre@example.org")
    return {
        "vintage": vintage,
        "manager": manager,
        "desk": desk,
        "agent": agent,
        "held": held,
        "handed": handed,
        "stock": stock,
        "idle_desk": idle_desk,
    }


def _run(day, capture):
    with freeze_time(f"{day} 06:00"), capture(execute=True):
        return vintage_end_run()


def test_nothing_happens_before_30_november(setting, django_capture_on_commit_callbacks):
    result = _run("2026-11-29", django_capture_on_commit_callbacks)
    assert result == {"alerted": [], "frozen": [], "expired": {}}
    assert len(mail.outbox) == 0


def test_the_d30_alert_goes_once_to_managers_and_desks_still_holding_stock(
    setting, django_capture_on_commit_callbacks
):
    _run("2026-11-30", django_capture_on_commit_callbacks)
    recipients = [set(m.to) for m in mail.outbox]
    assert {setting["manager"].user.email} in recipients
    desk_mail = next(m for m in mail.outbox if "accueil@example.org" in m.to)
    assert setting["agent"].user.email in desk_mail.to
    assert "1 chéquier" in desk_mail.body
    assert not any("autre@example.org" in m.to for m in mail.outbox)
    vintage = Vintage.objects.get(pk=setting["vintage"].pk)
    assert vintage.alert_sent_at is not None
    assert not vintage.handover_frozen
    sent = len(mail.outbox)
    _run("2026-12-01", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == sent  # idempotent


def test_the_beat_task_runs_the_same_step(setting, django_capture_on_commit_callbacks):
    with freeze_time("2026-11-30 06:00"), django_capture_on_commit_callbacks(execute=True):
        result = vintage_end_task.delay().get()
    assert result["alerted"] == [2026]


def test_hand_over_is_frozen_from_15_december(setting, django_capture_on_commit_callbacks):
    _run("2026-12-14", django_capture_on_commit_callbacks)
    assert not Vintage.objects.get(pk=setting["vintage"].pk).handover_frozen
    result = _run("2026-12-15", django_capture_on_commit_callbacks)
    assert result["frozen"] == [2026]
    vintage = Vintage.objects.get(pk=setting["vintage"].pk)
    assert vintage.handover_frozen and vintage.handover_frozen_at
    assert _run("2026-12-16", django_capture_on_commit_callbacks)["frozen"] == []
    from django.core.exceptions import ValidationError

    with freeze_time("2026-12-16 10:00"), pytest.raises(ValidationError, match="gelées"):
        chequebook_hand_over(
            chequebook=setting["held"],
            beneficiary=cd12_beneficiary(setting["desk"]),
            membership=setting["agent"],
        )


def test_a_hand_made_freeze_lifted_before_d15_does_not_cancel_the_d15_freeze(
    setting, django_capture_on_commit_callbacks
):
    vintage = setting["vintage"]
    with freeze_time("2026-06-20 10:00"):
        Vintage.objects.filter(pk=vintage.pk).update(handover_frozen=True)
        vintage_freeze_lift(vintage=vintage, membership=setting["manager"])
    vintage.refresh_from_db()
    assert not vintage.handover_frozen and not vintage.freeze_lifted
    assert _run("2026-12-15", django_capture_on_commit_callbacks)["frozen"] == [2026]
    vintage.refresh_from_db()
    assert vintage.handover_frozen
    # Lifted on or after its D-15, the freeze is lifted for good.
    with freeze_time("2026-12-15 12:00"):
        vintage_freeze_lift(vintage=vintage, membership=setting["manager"])
    assert Vintage.objects.get(pk=vintage.pk).freeze_lifted


def test_a_manager_lifts_the_freeze_and_it_does_not_come_back(
    setting, django_capture_on_commit_callbacks
):
    _run("2026-12-15", django_capture_on_commit_callbacks)
    with freeze_time("2026-12-15 12:00"):
        vintage_freeze_lift(vintage=setting["vintage"], membership=setting["manager"])
    _run("2026-12-16", django_capture_on_commit_callbacks)
    vintage = Vintage.objects.get(pk=setting["vintage"].pk)
    assert not vintage.handover_frozen and vintage.freeze_lifted
    with freeze_time("2026-12-20 10:00"):
        chequebook_hand_over(
            chequebook=setting["held"],
            beneficiary=cd12_beneficiary(setting["desk"]),
            membership=setting["agent"],
        )


def test_unredeemed_cheques_expire_after_31_january(setting, django_capture_on_commit_callbacks):
    handed = setting["handed"]
    redeemed = handed.cheques.get(position=1)
    cancelled = handed.cheques.get(position=2)
    Cheque.objects.filter(pk=redeemed.pk).update(state=ChequeState.REDEEMED)
    Cheque.objects.filter(pk=cancelled.pk).update(state=ChequeState.CANCELLED)

    _run("2027-01-31", django_capture_on_commit_callbacks)
    assert not Cheque.objects.filter(state=ChequeState.EXPIRED).exists()

    result = _run("2027-02-01", django_capture_on_commit_callbacks)
    assert result["expired"] == {2026: 28}
    states = dict(
        Cheque.objects.filter(chequebook__vintage=setting["vintage"])
        .values_list("state")
        .annotate(n=Count("pk"))
    )
    assert states == {ChequeState.EXPIRED: 28, ChequeState.REDEEMED: 1, ChequeState.CANCELLED: 1}
    assert Vintage.objects.get(pk=setting["vintage"].pk).expired_at is not None
    assert _run("2027-02-02", django_capture_on_commit_callbacks)["expired"] == {}


def test_reconciliation_counts_each_state_and_the_value_to_credit_back(setting):
    handed = setting["handed"]
    Cheque.objects.filter(chequebook=handed, position__in=[1, 2]).update(state=ChequeState.REDEEMED)
    Cheque.objects.filter(chequebook=handed, position=3).update(state=ChequeState.PAID)
    Cheque.objects.filter(chequebook=handed, position=4).update(state=ChequeState.CANCELLED)
    figures = vintage_reconciliation(setting["vintage"])
    assert figures["bought"] == 30
    assert figures["in_stock"] == 10
    assert figures["at_desks"] == 10
    assert figures["handed_out"] == 6
    assert figures["redeemed"] == 3
    assert figures["cancelled"] == 1
    assert figures["expired"] == 0
    # A running vintage has nothing to credit back (expired cheques × face value, i13): its
    # 26 cheques neither redeemed nor opposed are "not used yet".
    assert figures["credit_back_cents"] == 0
    assert figures["not_used_yet"] == 10 + 10 + 6
    assert figures["committed_cents"] == 30 * setting["vintage"].commissioner_cost_cents
    Cheque.objects.filter(
        chequebook__vintage=setting["vintage"], state__in=UNREDEEMED_STATES
    ).update(state=ChequeState.EXPIRED)
    ended = vintage_reconciliation(setting["vintage"])
    assert ended["credit_back_cents"] == 26 * setting["vintage"].face_value_cents
    assert setting["held"].state == ChequebookState.AT_FRONT_DESK


def test_at_d15_desks_still_holding_stock_are_told_to_stop_once(
    setting, django_capture_on_commit_callbacks
):
    _run("2026-12-15", django_capture_on_commit_callbacks)
    frozen = [m for m in mail.outbox if "gelées" in m.subject]
    assert len(frozen) == 1
    assert set(frozen[0].to) == {"accueil@example.org", setting["agent"].user.email}
    assert "n'en remettez plus" in frozen[0].body and "1 chéquier" in frozen[0].body
    _run("2026-12-16", django_capture_on_commit_callbacks)
    assert len([m for m in mail.outbox if "gelées" in m.subject]) == 1


def test_the_d30_alert_gives_managers_the_started_chequebooks(
    setting, django_capture_on_commit_callbacks
):
    setting["handed"].cheques.filter(position=1).update(state=ChequeState.REDEEMED)
    _run("2026-11-30", django_capture_on_commit_callbacks)
    body = next(m.body for m in mail.outbox if setting["manager"].user.email in m.to)
    assert "- émis : 3" in body
    assert "- remis : 1, dont entamés (au moins un chèque encaissé) : 1" in body
    assert "- pas encore remis (en stock ou dans les accueils) : 2" in body


def _vintages_around():
    return [
        VintageFactory(year=2025),
        VintageFactory(year=2026),
        VintageFactory(year=2027),
        VintageFactory(year=2028, handover_frozen=True),
        VintageFactory(year=2024, freeze_lifted=True),
    ]


@pytest.mark.parametrize("day", ["2026-12-14", "2026-12-15", "2027-01-10", "2027-12-15"])
def test_the_freeze_filter_agrees_with_the_freeze_rule(day):
    """``not_frozen_q`` (the hand-over candidates' query) keeps exactly the vintages
    ``vintage_is_frozen`` does not freeze, around each D-15."""
    vintages = _vintages_around()
    today = datetime.date.fromisoformat(day)
    kept = set(
        Vintage.objects.filter(not_frozen_q(prefix="", today=today)).values_list("year", flat=True)
    )
    assert kept == {v.year for v in vintages if not vintage_is_frozen(v, today=today)}


@pytest.mark.parametrize(
    "day", ["2025-12-31", "2026-01-01", "2026-12-14", "2026-12-15", "2027-01-31", "2027-02-01"]
)
def test_the_distributable_filter_agrees_with_the_distributable_rule(day):
    """``distributable_q`` (the hand-over candidates' query) keeps exactly the vintages
    ``vintage_is_distributable`` (the hand-over's check) lets hand out: around the start of
    validity, each D-15 and the end."""
    vintages = _vintages_around()
    today = datetime.date.fromisoformat(day)
    kept = set(
        Vintage.objects.filter(distributable_q(prefix="", today=today)).values_list(
            "year", flat=True
        )
    )
    assert kept == {v.year for v in vintages if vintage_is_distributable(v, today=today)}


def test_the_desks_to_write_to_come_in_three_queries(setting, django_assert_num_queries):
    from chequebooks.services.vintage_end import _desks_holding

    vintage = setting["vintage"]
    others = []
    for n in range(3):
        desk = FrontDeskFactory(name=f"Accueil {n}", email="")
        member = evaluator_membership(desk)
        for _ in range(n + 1):
            desk_chequebook(desk, vintage=vintage)
        others.append((desk, member))
    gone = evaluator_membership(others[0][0])
    gone.user.is_active = False
    gone.user.save()
    with django_assert_num_queries(3):
        rows = list(_desks_holding(vintage))
    got = {desk.pk: (held, recipients) for desk, held, recipients in rows}
    assert got[setting["desk"].pk][0] == 1 and "accueil@example.org" in got[setting["desk"].pk][1]
    for n, (desk, member) in enumerate(others):
        assert got[desk.pk] == (n + 1, [member.user.email])
    assert setting["idle_desk"].pk not in got
