"""Issue 13: the periodic report's PDF shares the print stylesheet and names its issuer."""

from datetime import timedelta

from django.urls import reverse

from reporting.models import Report
from reporting.summaries import summaries_refresh
from tests.pdf_pages import pdf_pages


def test_the_report_pdf_names_its_issuer(small, login, django_capture_on_commit_callbacks):
    summaries_refresh(as_of=small.today)
    manager = login(small.manager)
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(
            reverse("reporting:reports"),
            {"period_start": small.today - timedelta(days=30), "period_end": small.today},
        )
    report = Report.objects.get()
    pages, text = pdf_pages(report.file.read(), "pdf-report")
    first = text[:400]
    assert "Conseil départemental" in first and "Pass numérique" in first
