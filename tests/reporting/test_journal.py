"""Reporting's journal events (reporting/journal.py): one per action, recorded by the services,
each read back as its French sentence."""

import pytest

from orientation.models import Referral
from passnum.audit.events import UnknownDetails
from passnum.audit.models import JournalEntry
from passnum.audit.sentences import EVENTS, sentence_for
from reporting import journal
from reporting.services import export_request, referral_remind, report_request

pytestmark = pytest.mark.django_db


def test_every_reporting_action_is_a_declared_event():
    codes = {code for code in EVENTS if code.startswith("reporting.")}
    assert codes == {
        "reporting.front_desk.reminded",
        "reporting.referral.reminded",
        "reporting.report.requested",
        "reporting.report.downloaded",
        "reporting.export.requested",
        "reporting.export.downloaded",
    }


def test_an_event_refuses_details_it_does_not_declare(small):
    with pytest.raises(UnknownDetails, match="reporting.report.requested"):
        journal.REPORT_REQUESTED.record(actor=small.manager.user, period="2026")
    with pytest.raises(UnknownDetails, match="details missing"):
        journal.EXPORT_REQUESTED.record(actor=small.manager.user, kind="chéquiers")


def test_the_services_journal_their_actions_as_sentences(small, django_capture_on_commit_callbacks):
    user = small.manager.user
    report = report_request(
        membership=small.manager, period_start=small.today, period_end=small.today
    )
    job = export_request(membership=small.manager, kind="chequebooks", format="csv", params={})
    r1 = Referral.objects.get(from_organisation=small.desk1)  # 20 days old: overdue
    with django_capture_on_commit_callbacks(execute=False):
        referral_remind(referral=r1, membership=small.manager)
    sentences = {e.action: sentence_for(e) for e in JournalEntry.objects.all()}
    who = f"{user.get_full_name()} ({small.manager.organisation.name})"
    assert sentences["reporting.report.requested"] == f"{who} a demandé le {str(report).lower()}"
    assert sentences["reporting.export.requested"] == (
        f"{who} a demandé l'export de données personnelles "
        "« Chéquiers, un par ligne (données pseudonymisées) » (csv)"
    )
    assert sentences["reporting.referral.reminded"] == (
        f"{who} a relancé le médiateur de l'orientation n° {r1.pk}, en attente de réponse"
    )
    assert JournalEntry.objects.get(action="reporting.export.requested").target_id == str(job.pk)
