"""The dashboard's pages: who may see them, what they show, the radar's lists, the budget of
queries, exports (CSV parsed, XLSX opened), reports and the reminder of a front desk."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from passnum.audit.models import JournalEntry
from reporting.models import ExportJob, Report
from reporting.summaries import summaries_refresh
from tests.factories import (
    ChequebookFactory,
    HandedOutChequebookFactory,
    MembershipFactory,
    evaluator_membership,
    mediator_membership,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(small, login):
    summaries_refresh(as_of=small.today)
    return login(small.manager)


def test_dashboard_shows_the_figures(manager, small):
    response = manager.get(reverse("reporting:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    assert response.context["funnel"]["bought"] == 8
    assert "1\u00a0064\u00a0920,00\u00a0€" in html  # the planned budget
    assert "Carte schématique" in html


@pytest.mark.parametrize(
    "make",
    [lambda: evaluator_membership(), lambda: mediator_membership()],
    ids=["desk", "mediator"],
)
def test_dashboard_is_for_managers_and_coordinators_only(small, login, make):
    client = login(make())
    assert client.get(reverse("reporting:dashboard")).status_code == 404
    assert client.get(reverse("reporting:reports")).status_code == 404
    assert client.get(reverse("reporting:radar_stock")).status_code == 404


def test_coordinator_dashboard_is_restricted(small, login):
    summaries_refresh(as_of=small.today)
    client = login(small.coordinator)
    response = client.get(reverse("reporting:dashboard"))
    assert response.status_code == 200
    assert response.context["funnel"]["bought"] == 2
    # A coordinator cannot widen its scope with the EPCI filter.
    response = client.get(reverse("reporting:dashboard"), {"epci": small.epci_b.pk})
    assert response.context["funnel"]["bought"] <= 2


def test_filter_by_epci(manager, small):
    response = manager.get(reverse("reporting:dashboard"), {"epci": small.epci_a.pk})
    assert response.context["funnel"]["bought"] == 2


def _budget(django_assert_max_num_queries, client, url):
    with django_assert_max_num_queries(40) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_dashboard_runs_the_same_number_of_queries_whatever_the_size(
    manager, small, django_assert_max_num_queries
):
    url = reverse("reporting:dashboard")
    small_count = _budget(django_assert_max_num_queries, manager, url)
    for i in range(30):
        desk = small.desk1 if i % 2 else small.desk2
        HandedOutChequebookFactory(vintage=small.vintage, holder=desk,
                                   envelope=small.chequebooks["cb1"].envelope)  # fmt: skip
        ChequebookFactory(vintage=small.vintage, envelope=small.chequebooks["cb1"].envelope)
    summaries_refresh(as_of=small.today)
    assert _budget(django_assert_max_num_queries, manager, url) == small_count


def test_radar_stock_lists_the_stale_chequebooks(manager, small, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        response = manager.get(reverse("reporting:radar_stock"), {"vintage": small.vintage.pk})
    numbers = [cb.number for cb in response.context["page"].object_list]
    assert numbers == [small.chequebooks["cb2"].number]
    # The action at hand: move the chequebook to a desk that needs it (the stock app's page).
    html = response.content.decode()
    assert reverse("chequebooks:chequebook_transfer", args=[small.chequebooks["cb2"].pk]) in html
    assert reverse("chequebooks:allocation") in html


def test_radar_not_started_lists_front_desks_to_remind(manager, small):
    response = manager.get(reverse("reporting:radar_not_started"))
    rows = response.context["rows"]
    assert [(r["organisation"], r["chequebooks"]) for r in rows] == [(small.desk1, 1)]
    assert "Relancer l'accueil" in response.content.decode()


def test_radar_expiring_lists_front_desks_with_unused_cheques(manager, small):
    response = manager.get(reverse("reporting:radar_expiring"), {"jours": 90})
    rows = {r["organisation"]: r for r in response.context["rows"]}
    # desk1: cb2, cb3 at the desk (20), cb4 in hand (10); desk2: cb5's 7 in hand.
    assert (rows[small.desk1]["at_front_desk"], rows[small.desk1]["handed_out"]) == (20, 10)
    assert (rows[small.desk2]["at_front_desk"], rows[small.desk2]["handed_out"]) == (0, 7)


def test_radar_referrals_lists_the_overdue_with_the_desks_contact(manager, small):
    small.desk1.phone = "0565123456"
    small.desk1.save()
    response = manager.get(reverse("reporting:radar_referrals"))
    referrals = list(response.context["page"].object_list)
    assert [r.from_organisation for r in referrals] == [small.desk1]
    assert "0565123456" in response.content.decode()


def test_coordinator_radar_lists_stay_in_its_epci(small, login):
    client = login(small.coordinator)
    response = client.get(reverse("reporting:radar_stock"))
    assert list(response.context["page"].object_list) == []  # cb2 is CD12's, at desk1
    response = client.get(reverse("reporting:radar_not_started"))
    assert response.context["rows"] == []


def test_front_desk_remind_emails_its_members_and_is_journaled(
    manager, small, django_capture_on_commit_callbacks
):
    member = evaluator_membership(organisation=small.desk1)
    url = reverse("reporting:front_desk_remind", args=[small.desk1.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(url, {"topic": "not_started", "count": 1})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[member.user.email]]
    entry = JournalEntry.objects.get(action="reporting.front_desk.reminded")
    assert entry.target_id == str(small.desk1.pk)
    # Once a day at most.
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(url, {"topic": "not_started", "count": 1})
    assert len(mail.outbox) == 1


def test_coordinator_cannot_remind_a_desk_of_another_epci(small, login):
    client = login(small.coordinator)
    url = reverse("reporting:front_desk_remind", args=[small.desk1.pk])
    assert client.post(url, {"topic": "not_started"}).status_code == 404


def test_breakdown_exports_csv(manager, small):
    response = manager.get(reverse("reporting:breakdown", args=["accueils"]), {"_export": "csv"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][0] == "Accueil"
    by_name = {r[0]: r for r in rows[1:]}
    header = rows[0]
    assert by_name["Accueil un"][header.index("Remis")] == "2"
    assert by_name["Accueil deux"][header.index("Remis")] == "2"


def test_breakdown_exports_xlsx(manager, small):
    response = manager.get(reverse("reporting:breakdown", args=["mediateurs"]), {"_export": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    header = rows[0]
    (row,) = rows[1:]
    assert row[header.index("Chèques encaissés")] == 15
    assert row[header.index("Payé")] == pytest.approx(13 * 9.60)


def test_every_breakdown_page_renders(manager):
    for name in ("epci", "publics", "accueils", "mediateurs", "mois", "autonomie"):
        assert manager.get(reverse("reporting:breakdown", args=[name])).status_code == 200


def test_detailed_export_runs_in_celery_and_is_journaled(
    manager, small, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(reverse("reporting:export_create"), {"format": "xlsx"})
    job = ExportJob.objects.get()
    assert response.url == reverse("reporting:export", args=[job.pk])
    assert (job.status, job.progress, job.row_count) == ("done", 100, 8)
    status = manager.get(reverse("reporting:export", args=[job.pk]), {"format": "json"}).json()
    assert status["done"] is True
    response = manager.get(reverse("reporting:export_download", args=[job.pk]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    header = rows[0]
    used = {r[0]: r[header.index("Chèques encaissés")] for r in rows[1:]}
    assert used[small.chequebooks["cb6"].number] == 10
    actions = set(JournalEntry.objects.values_list("action", flat=True))
    assert {"reporting.export.requested", "reporting.export.downloaded"} <= actions


def test_detailed_csv_export_of_a_coordinator_stays_in_its_epci(
    small, login, django_capture_on_commit_callbacks
):
    client = login(small.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reporting:export_create"), {"format": "csv"})
    job = ExportJob.objects.get()
    content = b"".join(
        client.get(reverse("reporting:export_download", args=[job.pk])).streaming_content
    )
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert sorted(int(r[0]) for r in rows[1:]) == sorted(
        [small.chequebooks["cb5"].number, small.chequebooks["cb6"].number]
    )


def test_an_export_is_only_visible_to_who_asked(manager, small, login):
    manager.post(reverse("reporting:export_create"), {"format": "csv"})
    job = ExportJob.objects.get()
    other = login(MembershipFactory(organisation=small.manager.organisation,
                                    role=small.manager.role))  # fmt: skip
    assert other.get(reverse("reporting:export", args=[job.pk])).status_code == 404
    assert other.get(reverse("reporting:export_download", args=[job.pk])).status_code == 404


def test_periodic_report_is_produced_and_downloadable(
    manager, small, django_capture_on_commit_callbacks
):
    start = small.today - timedelta(days=60)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(
            reverse("reporting:reports"), {"period_start": start, "period_end": small.today}
        )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.status == "done"
    data = report.file.read()
    assert data.startswith(b"%PDF")
    import hashlib

    assert hashlib.sha256(data).hexdigest() == report.sha256
    response = manager.get(reverse("reporting:report_download", args=[report.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert JournalEntry.objects.filter(action="reporting.report.downloaded").exists()


def test_coordinator_report_covers_its_epci_and_others_cannot_see_it(small, login):
    client = login(small.coordinator)
    client.post(
        reverse("reporting:reports"),
        {"period_start": small.today - timedelta(days=30), "period_end": small.today},
    )
    report = Report.objects.get()
    assert report.epci == small.epci_a
    other_org = MembershipFactory(
        organisation__kind="epci", organisation__epci=small.epci_b, organisation__side="",
        role="epci_coordinator",
    )  # fmt: skip
    other = login(other_org)
    assert other.get(reverse("reporting:report_download", args=[report.pk])).status_code == 404


def test_report_period_must_be_ordered(manager, small):
    response = manager.post(
        reverse("reporting:reports"),
        {"period_start": small.today, "period_end": small.today - timedelta(days=1)},
    )
    assert response.status_code == 200
    assert not Report.objects.exists()


def test_front_desk_home_shows_its_figures(small, login):
    client = login(evaluator_membership(organisation=small.desk1))
    response = client.get(reverse("home"))
    panel = next(p for p in response.context["panels"] if "front_desk_figures" in p.template)
    assert (panel.context["stock"], panel.context["handed_out"]) == (2, 2)
    assert panel.context["referrals_total"] == 1


def test_mediator_home_shows_its_figures(small, login):
    client = login(mediator_membership(organisation=small.mediator))
    response = client.get(reverse("home"))
    panel = next(p for p in response.context["panels"] if "mediator_figures" in p.template)
    assert (panel.context["this_month"], panel.context["total"]) == (15, 15)
    assert panel.context["paid_cents"] == 13 * small.vintage.mediator_net_cents


def test_refresh_rebuilds_the_tallies(manager, small, django_capture_on_commit_callbacks):
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(reverse("reporting:refresh"))
    from reporting.models import SummaryRun

    assert SummaryRun.objects.get().refreshed_at >= before


def test_coordinator_reminds_a_desk_of_its_epci(small, login, django_capture_on_commit_callbacks):
    evaluator_membership(organisation=small.desk2)
    client = login(small.coordinator)
    url = reverse("reporting:front_desk_remind", args=[small.desk2.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"topic": "expiring", "count": 7})
    assert len(mail.outbox) == 1
    assert "chèques bientôt expirés" in mail.outbox[0].subject


def test_reminder_never_redirects_outside(manager, small):
    url = reverse("reporting:front_desk_remind", args=[small.desk1.pk])
    response = manager.post(url, {"topic": "stock", "next": "https://example.org/"})
    assert response.url == reverse("reporting:dashboard")


@pytest.mark.parametrize("name", ["accueils", "mediateurs", "epci"])
def test_breakdown_query_budget_does_not_grow(manager, small, name, django_assert_max_num_queries):
    url = reverse("reporting:breakdown", args=[name])
    before = _budget(django_assert_max_num_queries, manager, url)
    for _ in range(20):
        HandedOutChequebookFactory(vintage=small.vintage,
                                   envelope=small.chequebooks["cb1"].envelope)  # fmt: skip
    summaries_refresh(as_of=small.today)
    assert _budget(django_assert_max_num_queries, manager, url) == before


def test_radar_lists_query_budget_does_not_grow(manager, small, django_assert_max_num_queries):
    urls = [reverse(n) for n in ("reporting:radar_stock", "reporting:radar_not_started",
                                 "reporting:radar_referrals")]  # fmt: skip
    before = [_budget(django_assert_max_num_queries, manager, u) for u in urls]
    for _ in range(20):
        HandedOutChequebookFactory(
            vintage=small.vintage, envelope=small.chequebooks["cb1"].envelope,
            handed_out_at=timezone.now() - timedelta(days=200),
        )  # fmt: skip
    assert [_budget(django_assert_max_num_queries, manager, u) for u in urls] == before


def test_radar_lists_add_up_to_the_dashboards_numbers(manager, small):
    dashboard = manager.get(reverse("reporting:dashboard")).context
    (radar,) = dashboard["radar"]
    rows = manager.get(reverse("reporting:radar_not_started")).context["rows"]
    assert sum(r["chequebooks"] for r in rows) == radar["not_started"]
    stock = manager.get(reverse("reporting:radar_stock")).context["page"]
    assert stock.paginator.count == radar["stale_stock"]
