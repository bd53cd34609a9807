"""Issue 10: the periodic report is produced by the worker; its page waits for it."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import manager_membership

pytestmark = pytest.mark.django_db


def test_the_reports_page_waits_for_the_report_the_worker_produces(
    login, django_capture_on_commit_callbacks
):
    manager = manager_membership()
    from passnum.audit.models import JournalEntry
    from reporting.models import Report

    client = login(manager)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=False):
        client.post(
            reverse("reporting:reports"),
            {"period_start": today.replace(day=1).isoformat(), "period_end": today.isoformat()},
        )
    report = Report.objects.get()
    page = client.get(reverse("reporting:reports"))
    assert "en préparation" in page.content.decode() and "file-pending.js" in page.content.decode()
    url = reverse("reporting:report_download", args=[report.pk])
    assert client.head(url).status_code == 404
    from reporting.services import report_generate

    report_generate(report_id=report.pk)
    downloads = JournalEntry.objects.filter(action__contains="report.downloaded").count()
    assert client.head(url).status_code == 200  # asking whether it is ready is no download
    assert JournalEntry.objects.filter(action__contains="report.downloaded").count() == downloads
    assert "en préparation" not in client.get(reverse("reporting:reports")).content.decode()
