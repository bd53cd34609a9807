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
    FrontDeskFactory,
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
    # A coordinator cannot widen or move its scope with the EPCI filter: it is not even read.
    response = client.get(reverse("reporting:dashboard"), {"epci": small.epci_b.pk})
    assert response.context["filters"].epci_id is None
    assert response.context["funnel"]["bought"] == 2  # envelope A's cb5, cb6


def test_filter_by_epci(manager, small):
    response = manager.get(reverse("reporting:dashboard"), {"epci": small.epci_a.pk})
    assert response.context["funnel"]["bought"] == 2


def _budget(django_assert_max_num_queries, client, url):
    # 35 for the figures from the tallies, 3 for the appointments' funnel (tally), the missed
    # appointments (live) and the impact figures (tally) of issue 14.
    with django_assert_max_num_queries(45) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _grow(small, n=6):
    """More of every dimension the dashboard breaks down on: new front desks (with stale
    stock and never-started chequebooks), new mediators (redemptions, overdue referrals),
    people in other EPCI, hand-overs and redemptions in other months."""
    from chequebooks.models import ChequeState
    from passnum.territory.models import Commune
    from tests.factories import (
        BeneficiaryFactory,
        MediatorOrganisationFactory,
        PlaceFactory,
        redemption_create,
        referral_create,
    )

    now = timezone.now()
    envelope = small.chequebooks["cb1"].envelope
    communes = list(Commune.objects.exclude(epci=None).exclude(
        epci__in=[small.epci_a, small.epci_b]).order_by("epci_id").distinct()[:n])  # fmt: skip
    for i in range(n):
        desk = FrontDeskFactory()
        mediator = MediatorOrganisationFactory()
        place = PlaceFactory(organisation=mediator, commune=communes[i])
        ChequebookFactory(vintage=small.vintage, envelope=envelope, state="at_front_desk",
                          holder=desk, allocated_at=now - timedelta(days=100))  # fmt: skip
        person = BeneficiaryFactory(commune=communes[i], registered_by_organisation=desk)
        HandedOutChequebookFactory(vintage=small.vintage, envelope=envelope, holder=desk,
                                   beneficiary=BeneficiaryFactory(registered_by_organisation=desk),
                                   handed_out_at=now - timedelta(days=300 + 31 * i))  # fmt: skip
        used = HandedOutChequebookFactory(vintage=small.vintage, envelope=envelope, holder=desk,
                                          beneficiary=person,
                                          handed_out_at=now - timedelta(days=31 * i))  # fmt: skip
        cheque = used.cheques.first()
        cheque.state = ChequeState.REDEEMED
        cheque.save(update_fields=["state"])
        redemption_create(cheque=cheque, mediator=mediator, place=place,
                          at=now - timedelta(days=31 * i))  # fmt: skip
        referral_create(beneficiary=person, place=place, from_organisation=desk,
                        created_at=now - timedelta(days=30))  # fmt: skip
    summaries_refresh(as_of=small.today)


def test_dashboard_runs_the_same_number_of_queries_whatever_the_size(
    manager, small, django_assert_max_num_queries
):
    url = reverse("reporting:dashboard")
    small_count = _budget(django_assert_max_num_queries, manager, url)
    before = manager.get(url).context
    rows_before = [len(before[k]) for k in ("by_front_desk", "by_mediator", "by_epci", "by_month")]
    _grow(small)
    assert _budget(django_assert_max_num_queries, manager, url) == small_count
    after = manager.get(url).context
    rows_after = [len(after[k]) for k in ("by_front_desk", "by_mediator", "by_epci", "by_month")]
    assert all(a > b for a, b in zip(rows_after, rows_before, strict=True)), rows_after


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
    _shorten_vintage(small)
    response = manager.get(reverse("reporting:radar_expiring"), {"jours": 30})
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
    assert "05\u00a065\u00a012\u00a034\u00a056" in response.content.decode()  # by two


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
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
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
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    assert f"Période du {start:%d/%m/%Y} au {small.today:%d/%m/%Y}" in text
    # Committed 80 × 10,40 €; paid 13 × 9,60 €; credited back 6 × 10,00 €; 15 ÷ 38 redeemed.
    for figure in ("832,00 €", "124,80 €", "60,00 €", "1 064 920,00 €", "39,5 %"):
        assert figure in text, figure
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


def test_the_front_desk_stock_is_one_figure_on_its_home(small, login):
    """Both home panels of a front desk show its stock as chequebooks' desk_stock: a chequebook
    of an ended vintage still at the desk is to give back, in neither stock figure."""
    from chequebooks.selectors import desk_stock_figures
    from tests.factories import VintageFactory, desk_chequebook

    old = VintageFactory(year=small.today.year - 3)
    desk_chequebook(small.desk1, vintage=old)
    client = login(evaluator_membership(organisation=small.desk1))
    panels = client.get(reverse("home")).context["panels"]
    reporting = next(p for p in panels if "front_desk_figures" in p.template).context
    figures = desk_stock_figures(small.desk1)
    assert reporting["stock"] == figures["in_hand"] == 2
    assert figures["ended"] == 1


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


@pytest.mark.parametrize("name", ["accueils", "mediateurs", "epci", "mois"])
def test_breakdown_query_budget_does_not_grow(manager, small, name, django_assert_max_num_queries):
    url = reverse("reporting:breakdown", args=[name])
    before = _budget(django_assert_max_num_queries, manager, url)
    rows_before = len(manager.get(url).context["table"].rows)
    _grow(small)
    assert _budget(django_assert_max_num_queries, manager, url) == before
    assert len(manager.get(url).context["table"].rows) > rows_before


def _radar_list_lengths(client, urls):
    lengths = []
    for url in urls:
        context = client.get(url).context
        lengths.append(context["page"].paginator.count if "page" in context
                       else len(context["rows"]))  # fmt: skip
    return lengths


def test_radar_lists_query_budget_does_not_grow(manager, small, django_assert_max_num_queries):
    _shorten_vintage(small)
    urls = [reverse(n) for n in ("reporting:radar_stock", "reporting:radar_not_started",
                                 "reporting:radar_referrals")]  # fmt: skip
    urls.append(reverse("reporting:radar_expiring") + "?jours=30")
    before = [_budget(django_assert_max_num_queries, manager, u) for u in urls]
    lengths = _radar_list_lengths(manager, urls)
    _grow(small)
    assert [_budget(django_assert_max_num_queries, manager, u) for u in urls] == before
    grown = _radar_list_lengths(manager, urls)
    assert all(g > n for g, n in zip(grown, lengths, strict=True)), (lengths, grown)


def _shorten_vintage(small, days=20):
    """Vintage V now ends in ``days`` days, whatever today's date."""
    from passnum.programme.models import Vintage

    Vintage.objects.filter(pk=small.vintage.pk).update(
        valid_until=small.today + timedelta(days=days)
    )


def _radar_and_lists(client):
    dashboard = client.get(reverse("reporting:dashboard")).context
    (radar,) = dashboard["radar"]
    not_started = client.get(reverse("reporting:radar_not_started")).context["rows"]
    stock = client.get(reverse("reporting:radar_stock")).context["page"].paginator.count
    referrals = client.get(reverse("reporting:radar_referrals")).context["page"].paginator.count
    expiring = {}
    for e in radar["expiring"]:
        context = client.get(reverse("reporting:radar_expiring"), {"jours": e["days"]}).context
        expiring[e["days"]] = context["programme_stock"] + sum(
            r["at_front_desk"] + r["handed_out"] for r in context["rows"]
        )
    numbers = (radar["stale_stock"], radar["not_started"], dashboard["referrals_overdue"],
               {e["days"]: e["cheques"] for e in radar["expiring"]})  # fmt: skip
    lists = (stock, sum(r["chequebooks"] for r in not_started), referrals, expiring)
    return numbers, lists


def test_radar_numbers_are_the_lengths_of_their_lists(manager, small):
    _shorten_vintage(small)
    numbers, lists = _radar_and_lists(manager)
    # cb2 stale; cb4 never started; r1 overdue; unused: cb1 10 (programme stock, listed
    # apart) + cb2, cb3 20 at desk1 + cb4 10 in hand + cb5 7 in hand.
    assert numbers == lists == (1, 1, 1, {30: 47, 60: 47})


def test_radar_numbers_and_lists_agree_after_a_hand_over_without_refresh(manager, small):
    from chequebooks.models import Chequebook, ChequebookState
    from orientation.models import Referral
    from tests.factories import BeneficiaryFactory

    Chequebook.objects.filter(pk=small.chequebooks["cb2"].pk).update(
        state=ChequebookState.HANDED_OUT, handed_out_at=timezone.now(),
        beneficiary=BeneficiaryFactory(registered_by_organisation=small.desk1),
    )  # fmt: skip
    Referral.objects.filter(state="proposed").update(state="accepted")
    numbers, lists = _radar_and_lists(manager)
    assert numbers[:3] == lists[:3] == (0, 1, 0)


def test_radar_expiring_lists_programme_stock_apart_with_the_stock_page(manager, small):
    _shorten_vintage(small)
    response = manager.get(reverse("reporting:radar_expiring"), {"jours": 30})
    assert response.context["programme_stock"] == 10  # cb1
    html = response.content.decode()
    assert "Stock du programme" in html and reverse("chequebooks:allocation") in html


@pytest.mark.parametrize("days", ["abc", "0", "5000"])
def test_radar_expiring_refuses_a_window_out_of_range(manager, days):
    assert manager.get(reverse("reporting:radar_expiring"), {"jours": days}).status_code == 404


def test_breakdown_page_and_file_say_when_the_figures_were_frozen(manager, small):
    from reporting.models import SummaryRun

    run = SummaryRun.objects.get()
    url = reverse("reporting:breakdown", args=["accueils"])
    html = manager.get(url).content.decode()
    stamp = timezone.localtime(run.refreshed_at)
    assert f"Chiffres arrêtés le {stamp:%d/%m/%Y à %H:%M}" in html
    assert reverse("reporting:refresh") in html  # and the button to bring them up to date
    html = manager.get(reverse("reporting:radar_not_started")).content.decode()
    assert f"Chiffres arrêtés le {stamp:%d/%m/%Y à %H:%M}" in html
    response = manager.get(url, {"_export": "xlsx"})
    assert (
        f"passnum-accueils-chiffres-du-{stamp:%Y%m%d-%H%M}.xlsx"
        in (response["Content-Disposition"])
    )


def test_manager_reminds_the_mediator_of_an_overdue_referral(
    manager, small, django_capture_on_commit_callbacks
):
    from orientation.models import Referral

    member = mediator_membership(organisation=small.mediator)
    r1 = Referral.objects.get(from_organisation=small.desk1)
    # A name no sender or place can carry (the factories' names are random).
    r1.beneficiary.last_name = "Zzsecretnom"
    r1.beneficiary.save(update_fields=["last_name"])
    html = manager.get(reverse("reporting:radar_referrals")).content.decode()
    url = reverse("reporting:referral_remind", args=[r1.pk])
    assert url in html and "Relancer le médiateur" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(url)
    assert response.url == reverse("reporting:radar_referrals")
    assert [m.to for m in mail.outbox] == [[member.user.email]]
    assert f"orientation n° {r1.pk}" in mail.outbox[0].subject
    assert r1.beneficiary.last_name not in mail.outbox[0].body  # no personal data
    entry = JournalEntry.objects.get(action="reporting.referral.reminded")
    assert entry.target_id == str(r1.pk)
    with django_capture_on_commit_callbacks(execute=True):  # once a day at most
        manager.post(url)
    assert len(mail.outbox) == 1


def test_referral_reminder_only_for_an_overdue_referral_in_scope(small, login, manager):
    from orientation.models import Referral

    r2 = Referral.objects.get(from_organisation=small.desk2, state="proposed")  # 2 days old
    assert manager.post(reverse("reporting:referral_remind", args=[r2.pk])).status_code == 404
    r1 = Referral.objects.get(from_organisation=small.desk1)  # desk1, place in A, person in B
    from passnum.territory.models import Epci

    other_epci = Epci.objects.exclude(pk__in=[small.epci_a.pk, small.epci_b.pk]).first()
    other = login(MembershipFactory(
        organisation__kind="epci", organisation__epci=other_epci, organisation__side="",
        role="epci_coordinator",
    ))  # fmt: skip
    assert other.post(reverse("reporting:referral_remind", args=[r1.pk])).status_code == 404
    assert not JournalEntry.objects.filter(action="reporting.referral.reminded").exists()


def test_overdue_referrals_follow_the_vintage_of_their_chequebook(manager, small):
    from orientation.models import Referral
    from passnum.programme.models import Vintage

    Referral.objects.filter(from_organisation=small.desk1).update(
        chequebook=small.chequebooks["cb4"]
    )
    response = manager.get(reverse("reporting:radar_referrals"), {"vintage": small.vintage.pk})
    assert response.context["page"].paginator.count == 1
    assert f"<td>{small.vintage.year}</td>" in response.content.decode()
    other = Vintage.objects.get(year=2020)
    response = manager.get(reverse("reporting:radar_referrals"), {"vintage": other.pk})
    assert response.context["page"].paginator.count == 0


def test_detailed_export_keeps_the_period(manager, small, django_capture_on_commit_callbacks):
    query = f"?period_start={small.today - timedelta(days=40)}&period_end={small.today}"
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(reverse("reporting:export_create") + query, {"format": "csv"})
    job = ExportJob.objects.get()
    content = b"".join(
        manager.get(reverse("reporting:export_download", args=[job.pk])).streaming_content
    )
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    # Handed out within the last 40 days: cb5 (30 days ago) only.
    assert [int(r[0]) for r in rows[1:]] == [small.chequebooks["cb5"].number]


def test_the_detailed_export_and_the_dashboard_count_the_period_by_whole_months(
    manager, small, django_capture_on_commit_callbacks
):
    """A period from one day to another of cb5's month: both keep cb5, handed out in that
    month on another day (whole months, one rule: ``period_months``)."""
    handed = timezone.localdate(small.chequebooks["cb5"].handed_out_at)
    day = handed.replace(day=1 if handed.day != 1 else 2)
    query = f"?period_start={day}&period_end={day}"
    dashboard = manager.get(reverse("reporting:dashboard") + query).context
    months = dashboard["by_month"]
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(reverse("reporting:export_create") + query, {"format": "csv"})
    job = ExportJob.objects.get()
    content = b"".join(
        manager.get(reverse("reporting:export_download", args=[job.pk])).streaming_content
    )
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert [int(r[0]) for r in rows[1:]] == [small.chequebooks["cb5"].number]
    assert sum(r["handed_out"] for r in months) == len(rows) - 1 == 1


def test_an_invalid_filter_is_shown_and_the_others_still_apply(manager, small):
    response = manager.get(
        reverse("reporting:dashboard"), {"side": "epci", "organisation": "999999"}
    )
    filters = response.context["filters"]
    assert (filters.side, filters.organisation_id) == ("epci", None)
    assert response.context["funnel"]["bought"] == 2  # envelope A's cb5, cb6
    assert response.context["filter"].form.errors["organisation"]


def test_a_period_ending_before_it_starts_is_refused_next_to_its_end(manager, small):
    start, end = small.today, small.today - timedelta(days=1)
    response = manager.get(
        reverse("reporting:dashboard"), {"period_start": start, "period_end": end}
    )
    form = response.context["filter"].form
    assert form.errors["period_end"] == ["La fin de la période doit suivre son début."]
    assert response.context["filters"].period_end is None
    assert "La fin de la période doit suivre son début." in response.content.decode()
