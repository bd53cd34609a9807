"""Issue 15, the periodic report for the State: a whole-programme report is rendered twice by
the one rendering (``report_render``), the programme's version and the State's; the State's
figures also download as XLSX (the breakdowns' writer). The State observer downloads both."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

from passnum.audit.models import JournalEntry
from passnum.programme.models import FundCall, Funder
from reporting.models import Report
from reporting.services import report_render
from reporting.summaries import summaries_refresh
from tests.factories import state_observer_membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(small, login, django_capture_on_commit_callbacks):
    FundCall.objects.create(
        funder=Funder.objects.get(kind=Funder.Kind.STATE), year=small.today.year,
        reference="AF-1", called_on=small.today, amount_cents=150_000_00,
        created_by=small.manager.user,
    )  # fmt: skip
    client = login(small.manager)
    start = small.today.replace(day=1) - datetime.timedelta(days=200)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("reporting:reports"),
            {"period_start": start.isoformat(), "period_end": small.today.isoformat()},
        )
    report = Report.objects.get()
    assert report.status == Report.Status.DONE
    return report


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_observer_downloads_the_state_version_pdf_journaled(report, small, login):
    observer = state_observer_membership()
    client = login(observer)
    page = client.get(reverse("reporting:reports")).content.decode()
    url = reverse("reporting:report_state_download", args=[report.pk, "pdf"])
    assert url in page
    response = client.get(url)
    pdf = b"".join(response.streaming_content)
    text = _text(pdf)
    assert "pour l'État" in text
    assert "Personnes par public cible" in text and "appelé" in text
    assert "Le radar" not in text  # the funder's selection, not the whole dashboard
    assert JournalEntry.objects.filter(
        action="reporting.report.downloaded", actor=observer.user
    ).exists()


def test_the_state_version_as_xlsx(report, small, login):
    client = login(state_observer_membership())
    response = client.get(reverse("reporting:report_state_download", args=[report.pk, "xlsx"]))
    assert "chiffres-du-" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("Rubrique", "Indicateur", "Valeur", "Unité")
    figures = {r[1]: r[2] for r in rows[1:]}
    assert figures["Chéquiers achetés"] == 8
    assert figures["Chéquiers remis à une personne"] == 4
    state = Funder.objects.get(kind=Funder.Kind.STATE).name
    assert float(figures[f"{state} : appelé"]) == 150_000.0


def test_the_programme_version_is_unchanged_and_one_rendering_makes_both(report, small):
    summaries_refresh(as_of=small.today)
    text = _text(report_render(report))
    assert "Le radar" in text and "pour l'État" not in text
    with pytest.raises(ValueError):
        report_render(report, variant="autre")


def test_an_epci_report_has_no_state_version(small, login, django_capture_on_commit_callbacks):
    client = login(small.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("reporting:reports"),
            {"period_start": small.today.replace(day=1).isoformat(),
             "period_end": small.today.isoformat()},
        )  # fmt: skip
    report = Report.objects.get()
    assert report.epci_id is not None
    for fmt in ("pdf", "xlsx"):
        url = reverse("reporting:report_state_download", args=[report.pk, fmt])
        assert client.get(url).status_code == 404
    # Nor does the State observer see an EPCI's report at all.
    observer = login(state_observer_membership())
    assert observer.get(reverse("reporting:report_download", args=[report.pk])).status_code == 404
