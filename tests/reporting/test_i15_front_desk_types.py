"""Issue 15, front-desk types in the figures: the dashboard's breakdown by type (the page, its
CSV) and the detailed export's column. The small programme (conftest): desk1 holds cb2 and cb3
and handed out cb4 (never started) and cb7 (started); desk2 handed out cb5 (started) and cb6
(fully used)."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from passnum.organisations.models import FrontDeskType
from reporting.models import ExportJob
from reporting.selectors.front_desk_types import NO_TYPE, by_front_desk_type
from reporting.selectors.scope import Filters
from reporting.summaries import summaries_refresh

pytestmark = pytest.mark.django_db

MSD = "Maison des solidarités départementale (MSD)"


@pytest.fixture
def typed(small):
    msd = FrontDeskType.objects.get(label="Maison des solidarités départementale (MSD)")
    ccas = FrontDeskType.objects.get(label="SAVS / CCAS")
    small.desk1.front_desk_type = msd
    small.desk1.save()
    small.desk2.front_desk_type = ccas
    small.desk2.save()
    summaries_refresh(as_of=small.today)
    return small


def test_the_breakdown_counts_each_type_s_desks(typed, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        rows = by_front_desk_type(Filters())
    figures = {
        r["name"]: (r["at_front_desk"], r["handed_out"], r["started"], r["full"]) for r in rows
    }
    assert figures == {
        "Maison des solidarités départementale (MSD)": (2, 2, 1, 0),
        "SAVS / CCAS": (0, 2, 2, 1),
    }
    # The types in their order (MSD is 2nd, SAVS / CCAS 5th).
    assert [r["name"] for r in rows] == [MSD, "SAVS / CCAS"]


def test_a_desk_without_type_is_counted_apart(small):
    summaries_refresh(as_of=small.today)
    assert {r["name"] for r in by_front_desk_type(Filters())} == {NO_TYPE}


def test_the_dashboard_shows_the_breakdown_and_exports_it(typed, login):
    client = login(typed.manager)
    html = client.get(reverse("reporting:dashboard")).content.decode()
    assert 'id="h-desk-types"' in html and "SAVS / CCAS" in html
    response = client.get(
        reverse("reporting:breakdown", args=["types-accueil"]), {"_export": "csv"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Type d'accueil", "En stock aux accueils", "Remis"]
    assert rows[2][:5] == ["SAVS / CCAS", "0", "2", "2", "1"]


def test_the_detailed_export_has_the_holder_s_type(
    typed, login, django_capture_on_commit_callbacks
):
    client = login(typed.manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reporting:export_create"), {"format": "xlsx"})
    job = ExportJob.objects.get()
    response = client.get(reverse("reporting:export_download", args=[job.pk]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    column = rows[0].index("Type d'accueil")
    by_number = {r[0]: r[column] for r in rows[1:]}
    assert by_number[typed.chequebooks["cb2"].number] == MSD


def test_the_type_breakdown_page_s_query_budget_does_not_grow(
    typed, login, django_assert_max_num_queries
):
    """More desks of more types: the same number of queries."""
    from tests.factories import FrontDeskFactory, desk_chequebook

    client = login(typed.manager)
    url = reverse("reporting:breakdown", args=["types-accueil"])

    def count():
        with django_assert_max_num_queries(20) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = count()
    for label in ["CAF", "Mission locale", "PIS", "EEF"]:
        desk = FrontDeskFactory(front_desk_type=FrontDeskType.objects.get(label=label))
        desk_chequebook(desk, vintage=typed.vintage)
    summaries_refresh(as_of=typed.today)
    assert count() == before
    assert len(client.get(url).context["table"].rows) == 6
