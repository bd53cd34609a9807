"""Reminders to the person (issue 14, item 2): only with consent, never to an anonymised
person, each sent once (retried tasks), journaled without text; the SMS backends and the
Brevo request's shape against a local HTTP server."""

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from freezegun import freeze_time

from orientation.models import Reminder, ReminderKind
from orientation.services import (
    appointment_book,
    reminder_send,
    reminders_send_due,
)
from orientation.tasks import reminders_send
from passnum.audit.models import JournalEntry
from passnum.core.sms import BrevoBackend, SmsError, sms_number
from tests.factories import (
    BeneficiaryFactory,
    HandedOutChequebookFactory,
    ReferralFactory,
    evaluator_membership,
    place_with_slot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.PASSNUM_SMS_BACKEND = "passnum.core.sms.FileBackend"
    settings.PASSNUM_SMS_FILE_PATH = str(tmp_path / "sms.jsonl")

    def read():
        path = tmp_path / "sms.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]

    return read


def _booked_for_tomorrow(*, consent=True, **person):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    place, slot = place_with_slot(weekday=tomorrow.weekday(), capacity=2)
    agent = evaluator_membership()
    defaults = {"phone": "06 11 22 33 44", "email": "odette@example.org"}
    beneficiary = BeneficiaryFactory(
        registered_by_organisation=agent.organisation,
        contact_consent=consent,
        **{**defaults, **person},
    )
    referral = ReferralFactory(
        beneficiary=beneficiary,
        place=place,
        mediator=place.organisation,
        from_organisation=agent.organisation,
    )
    appointment = appointment_book(
        referral=referral, slot_id=slot.pk, day=tomorrow, membership=agent
    )
    return referral, appointment


def test_the_eve_of_an_appointment_the_person_gets_one_email_and_one_sms(sms_file, mailoutbox):
    referral, appointment = _booked_for_tomorrow()
    assert reminders_send_due() == 2
    assert reminders_send() == 0  # the task again (a retry, tomorrow's beat): nothing more
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["odette@example.org"]
    messages = sms_file()
    assert [m["to"] for m in messages] == ["+33611223344"]
    text = messages[0]["text"]
    assert "demain" in text and "Pour ne plus recevoir ces rappels" in text
    assert referral.place.name in text and "chéquier" in text
    assert mailoutbox[0].body == text
    entries = JournalEntry.objects.filter(action="orientation.reminder.sent")
    assert entries.count() == 2
    for entry in entries:  # journaled without its text
        assert "demain" not in json.dumps(entry.details) and "demain" not in entry.sentence
    assert set(Reminder.objects.values_list("channel", flat=True)) == {"email", "sms"}


def test_no_reminder_without_consent(sms_file, mailoutbox):
    _booked_for_tomorrow(consent=False)
    assert reminders_send_due() == 0
    assert not mailoutbox and not sms_file()


def test_no_reminder_to_an_anonymised_person(sms_file, mailoutbox):
    referral, appointment = _booked_for_tomorrow()
    type(referral.beneficiary).objects.filter(pk=referral.beneficiary_id).update(
        anonymised_at=timezone.now()
    )
    assert reminders_send_due() == 0
    referral.refresh_from_db()
    assert reminder_send(kind=ReminderKind.MISSED, referral=referral, appointment=appointment) == 0
    assert not mailoutbox and not sms_file()


def test_a_landline_gets_no_sms(sms_file, mailoutbox):
    _booked_for_tomorrow(phone="05 65 00 00 00", email="")
    assert reminders_send_due() == 0
    assert sms_number("05 65 00 00 00") is None
    assert sms_number("+33 7 12 34 56 78") == "+33712345678"


def test_a_failed_sms_is_not_marked_sent_and_goes_next_time(settings, sms_file, monkeypatch):
    referral, _ = _booked_for_tomorrow(email="")

    def refuse(self, *, to, text):
        raise SmsError("provider down")

    monkeypatch.setattr("passnum.core.sms.FileBackend.send", refuse)
    with pytest.raises(SmsError):
        reminders_send_due()
    assert not Reminder.objects.exists()
    monkeypatch.undo()
    settings.PASSNUM_SMS_BACKEND = "passnum.core.sms.FileBackend"
    assert reminders_send_due() == 1
    assert len(sms_file()) == 1


def test_seven_days_after_the_handover_without_session_or_appointment(sms_file, mailoutbox):
    agent = evaluator_membership()
    handed = timezone.now() - datetime.timedelta(days=7, hours=1)
    beneficiary = BeneficiaryFactory(
        registered_by_organisation=agent.organisation,
        contact_consent=True,
        email="paul@example.org",
        phone="",
    )
    chequebook = HandedOutChequebookFactory(beneficiary=beneficiary, handed_out_at=handed)
    referral = ReferralFactory(
        beneficiary=beneficiary, from_organisation=agent.organisation, chequebook=chequebook
    )
    recent = ReferralFactory(
        beneficiary=BeneficiaryFactory(contact_consent=True, email="x@example.org"),
        chequebook=HandedOutChequebookFactory(
            handed_out_at=timezone.now(),
            envelope=chequebook.envelope,
            vintage=chequebook.vintage,
        ),
    )
    assert reminders_send_due() == 1
    assert mailoutbox[0].to == ["paul@example.org"]
    assert "il y a une semaine" in mailoutbox[0].body
    assert Reminder.objects.get().referral == referral
    assert not recent.reminders.exists()
    with freeze_time(timezone.now() + datetime.timedelta(days=1)):
        assert reminders_send_due() == 0  # once


def test_reminder_texts_say_how_to_stop_for_every_kind():
    referral, appointment = _booked_for_tomorrow()
    from orientation.services import reminder_text

    for kind in ReminderKind.values:
        text = reminder_text(kind, referral=referral, appointment=appointment)
        assert "Pour ne plus recevoir ces rappels" in text and len(text) < 400


def test_the_beat_schedule_runs_the_reminders_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["orientation-reminders"]
    assert entry["task"] == "orientation.tasks.reminders_send"


class _Capture(BaseHTTPRequestHandler):
    received = []
    status = 201

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(
            {"path": self.path, "headers": dict(self.headers), "body": json.loads(body)}
        )
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"messageId": 1}')

    def log_message(self, *args):
        pass


@pytest.fixture
def brevo_server(settings):
    server = HTTPServer(("127.0.0.1", 0), _Capture)
    _Capture.received, _Capture.status = [], 201
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.PASSNUM_SMS_API_URL = f"http://127.0.0.1:{server.server_port}"
    settings.PASSNUM_SMS_API_KEY = "test-key"
    settings.PASSNUM_SMS_SENDER = "PassNum12"
    yield _Capture
    server.shutdown()


def test_brevo_request_shape(brevo_server):
    BrevoBackend().send(to="+33611223344", text="Bonjour. Rappel.")
    (request,) = brevo_server.received
    assert request["path"] == "/v3/transactionalSMS/sms"
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["api-key"] == "test-key"
    assert headers["content-type"] == "application/json"
    assert request["body"] == {
        "type": "transactional",
        "sender": "PassNum12",
        "recipient": "33611223344",
        "content": "Bonjour. Rappel.",
        "tag": "passnum-rappel",
    }


def test_brevo_refusal_raises(brevo_server):
    brevo_server.status = 401
    with pytest.raises(SmsError):
        BrevoBackend().send(to="+33611223344", text="Bonjour.")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_of_the_task_at_once_send_each_reminder_once(sms_file, mailoutbox):
    _booked_for_tomorrow(email="")
    barrier = threading.Barrier(2)
    counts = []

    def run():
        try:
            barrier.wait()
            counts.append(reminders_send_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(counts) == [0, 1]
    assert len(sms_file()) == 1 and Reminder.objects.count() == 1


def test_no_eve_reminder_once_the_referral_is_declined(sms_file, mailoutbox):
    referral, _ = _booked_for_tomorrow()
    type(referral).objects.filter(pk=referral.pk).update(state="declined", decline_reason="Complet")
    assert reminders_send_due() == 0
