"""A vintage's calendar says when a step is late (issue 13): the D-30 alert not sent once its
day has passed, the D-15 freeze not recorded by the daily task, the expiry not done after the
last valid day; done steps say when, steps to come say so."""

import datetime

import pytest
from django.urls import reverse
from freezegun import freeze_time

from chequebooks.selectors import vintage_calendar
from passnum.core.dates import PARIS
from tests.factories import VintageFactory, manager_membership

pytestmark = pytest.mark.django_db


def _status(vintage, day):
    return {s["step"]: s["status"] for s in vintage_calendar(vintage, today=day)}


def test_each_step_is_to_come_then_late_until_it_happens(reference_data):
    vintage = VintageFactory(year=2026)
    day = datetime.date
    assert _status(vintage, day(2026, 11, 29)) == {
        "alert": "to_come", "freeze": "to_come", "expiry": "to_come",
    }  # fmt: skip
    assert _status(vintage, day(2026, 11, 30))["alert"] == "late"
    vintage.alert_sent_at = datetime.datetime(2026, 11, 30, 6, 0, tzinfo=PARIS)
    assert _status(vintage, day(2026, 12, 2))["alert"] == "done"
    assert _status(vintage, day(2026, 12, 14))["freeze"] == "to_come"
    assert _status(vintage, day(2026, 12, 15))["freeze"] == "late"
    vintage.handover_frozen_at = datetime.datetime(2026, 12, 15, 0, 5, tzinfo=PARIS)
    assert _status(vintage, day(2026, 12, 16))["freeze"] == "done"
    vintage.freeze_lifted = True
    assert _status(vintage, day(2026, 12, 16))["freeze"] == "lifted"
    assert _status(vintage, day(2027, 1, 31))["expiry"] == "to_come"
    assert _status(vintage, day(2027, 2, 1))["expiry"] == "late"
    vintage.expired_at = datetime.datetime(2027, 2, 1, 1, 0, tzinfo=PARIS)
    assert _status(vintage, day(2027, 2, 1))["expiry"] == "done"


def test_the_vintage_page_says_a_late_alert_is_late(reference_data, login):
    vintage = VintageFactory(year=2026)
    client = login(manager_membership())
    url = reverse("chequebooks:vintage_reconciliation", args=[vintage.year])
    with freeze_time("2026-12-02 10:00"):
        late = client.get(url).content.decode()
    assert "en retard</strong> : pas encore envoyée, elle était due le 30 novembre" in late
    vintage.alert_sent_at = datetime.datetime(2026, 11, 30, 6, 0, tzinfo=PARIS)
    vintage.save()
    with freeze_time("2026-12-02 10:00"):
        sent = client.get(url).content.decode()
    assert "envoyée le 30 novembre 2026" in sent and "en retard" not in sent
