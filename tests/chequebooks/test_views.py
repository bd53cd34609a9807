"""Pages: who sees what (a guessed id is a 404), query budgets, exports, the main flows."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from pypdf import PdfReader

from chequebooks.models import Chequebook, ChequebookState, PrintRun
from passnum.audit.models import JournalEntry
from passnum.organisations.models import Role
from tests.factories import (
    ChequebookFactory,
    EpciOrganisationFactory,
    FrontDeskFactory,
    MembershipFactory,
    VintageFactory,
    cd12_beneficiary,
    cd12_envelope,
    desk_chequebook,
    evaluator_membership,
    manager_membership,
    mediator_membership,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_mid_year")]


@pytest.fixture
def _mid_year():
    with freeze_time("2026-06-15 10:00:00"):
        yield


MANAGER_PAGES = [
    "chequebooks:stock",
    "chequebooks:chequebook_list",
    "chequebooks:lookup",
    "chequebooks:print_run_list",
    "chequebooks:print_run_new",
    "chequebooks:import",
    "chequebooks:allocation",
    "chequebooks:vintage_list",
]


def test_manager_pages_open_for_a_manager_and_are_404_for_a_front_desk(client, login):
    VintageFactory()
    manager, agent = manager_membership(), evaluator_membership()
    login(manager)
    for name in MANAGER_PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    login(agent)
    for name in [
        "chequebooks:stock",
        "chequebooks:print_run_list",
        "chequebooks:import",
        "chequebooks:allocation",
        "chequebooks:vintage_list",
    ]:
        assert client.get(reverse(name)).status_code == 404, name
    login(mediator_membership())
    assert client.get(reverse("chequebooks:chequebook_list")).status_code == 404
    assert client.get(reverse("chequebooks:lookup")).status_code == 404


def test_a_guessed_chequebook_id_of_another_desk_is_a_404(client, login):
    agent = evaluator_membership()
    theirs = desk_chequebook(FrontDeskFactory())
    mine = desk_chequebook(agent.organisation)
    login(agent)
    assert client.get(reverse("chequebooks:chequebook_detail", args=[mine.pk])).status_code == 200
    for name in ["chequebook_detail", "hand_over", "chequebook_cancel"]:
        url = reverse(f"chequebooks:{name}", args=[theirs.pk])
        assert client.get(url).status_code == 404, name
    cheque = theirs.cheques.first()
    assert client.get(reverse("chequebooks:cheque_cancel", args=[cheque.pk])).status_code == 404
    # The lookup does not reveal another desk's cheque either.
    response = client.get(reverse("chequebooks:lookup"), {"number": cheque.number})
    assert "Aucun chèque" in response.content.decode()


def test_an_epci_coordinator_sees_only_its_epcis_stock(client, login):
    from tests.factories import epci_envelope

    coordinator_org = EpciOrganisationFactory()
    coordinator = MembershipFactory(organisation=coordinator_org, role=Role.EPCI_COORDINATOR)
    vintage = VintageFactory()
    own = ChequebookFactory(vintage=vintage, envelope=epci_envelope(coordinator_org.epci))
    cd12 = ChequebookFactory(vintage=vintage, envelope=cd12_envelope())
    login(coordinator)
    assert client.get(reverse("chequebooks:chequebook_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("chequebooks:chequebook_detail", args=[cd12.pk])).status_code == 404
    page = client.get(reverse("chequebooks:stock")).content.decode()
    assert str(coordinator_org.epci) in page and "Enveloppe CD12" not in page


def test_lists_keep_a_query_budget(client, login, django_assert_max_num_queries):
    manager = manager_membership()
    desk = FrontDeskFactory()
    for _ in range(3):
        desk_chequebook(desk)
    login(manager)
    client.get(reverse("chequebooks:chequebook_list"))  # warm caches (content types, session)
    with django_assert_max_num_queries(12):
        client.get(reverse("chequebooks:chequebook_list"))
    for _ in range(20):
        desk_chequebook(FrontDeskFactory())
    with django_assert_max_num_queries(12):
        assert client.get(reverse("chequebooks:chequebook_list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("chequebooks:stock")).status_code == 200
    agent = evaluator_membership(desk)
    login(agent)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("chequebooks:desk_stock")).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("home")).status_code == 200


def test_lists_export_csv_and_xlsx(client, login):
    desk = FrontDeskFactory()
    book = desk_chequebook(desk)
    login(manager_membership())
    csv = client.get(reverse("chequebooks:chequebook_list"), {"_export": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert str(book.number) in csv.content.decode()
    xlsx = client.get(reverse("chequebooks:stock"), {"_export": "xlsx"})
    assert xlsx.content[:2] == b"PK"


def test_the_stock_by_envelope_exports_too(client, login):
    desk = FrontDeskFactory()
    desk_chequebook(desk, envelope=cd12_envelope())
    desk_chequebook(desk, envelope=cd12_envelope(), received=False)
    login(manager_membership())
    page = client.get(reverse("chequebooks:stock")).content.decode()
    assert "_table=enveloppes&amp;_export=csv" in page
    csv = client.get(reverse("chequebooks:stock"), {"_table": "enveloppes", "_export": "csv"})
    assert 'filename="stock-par-enveloppe.csv"' in csv["Content-Disposition"]
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Enveloppe;Objectif;En stock;Dans les accueils")
    assert lines[1] == "Enveloppe CD12;6000;0;2;1;0;0;2"
    by_desk = client.get(reverse("chequebooks:stock"), {"_table": "accueils", "_export": "csv"})
    assert desk.name in by_desk.content.decode()


def test_a_desk_confirms_receipt_then_hands_over_and_prints_the_receipt(client, login):
    agent = evaluator_membership()
    book = desk_chequebook(agent.organisation, received=False)
    person = cd12_beneficiary(agent.organisation, first_name="Rose", last_name="Vidal")
    login(agent)
    response = client.post(reverse("chequebooks:desk_stock"), {"chequebooks": [book.pk]})
    assert response.status_code == 302
    book.refresh_from_db()
    assert book.received_at is not None

    url = reverse("chequebooks:hand_over", args=[book.pk])
    assert "VIDAL Rose" in client.get(url).content.decode()
    response = client.post(url, {"beneficiary": person.pk})
    assert response.status_code == 302
    book.refresh_from_db()
    assert book.state == ChequebookState.HANDED_OUT and book.beneficiary == person

    pdf = client.get(reverse("chequebooks:receipt_pdf", args=[book.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert str(book.number) in text and "Rose Vidal" in text
    assert JournalEntry.objects.filter(action="chequebooks.chequebook.receipt_downloaded").exists()


def test_the_hand_over_page_refuses_a_person_of_another_desk(client, login):
    agent = evaluator_membership()
    book = desk_chequebook(agent.organisation)
    stranger = cd12_beneficiary(FrontDeskFactory())
    login(agent)
    response = client.post(
        reverse("chequebooks:hand_over", args=[book.pk]), {"beneficiary": stranger.pk}
    )
    assert response.status_code == 200  # the form shows the error
    book.refresh_from_db()
    assert book.state == ChequebookState.AT_FRONT_DESK


def test_the_print_file_is_for_managers_and_each_download_is_journaled(
    client, login, django_capture_on_commit_callbacks
):
    manager = manager_membership()
    login(manager)
    vintage, envelope = VintageFactory(), cd12_envelope()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("chequebooks:print_run_new"),
            {
                "vintage": vintage.pk,
                "envelope": envelope.pk,
                "chequebook_count": 1,
                "cheques_per_chequebook": 5,
            },
        )
    run = PrintRun.objects.get()
    assert response.url == reverse("chequebooks:print_run_detail", args=[run.pk])
    detail = client.get(response.url).content.decode()
    assert "Télécharger le fichier" in detail
    download = client.get(reverse("chequebooks:print_run_download", args=[run.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert download["Cache-Control"] == "no-store"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert JournalEntry.objects.filter(action="chequebooks.print_run.downloaded").count() == 1
    login(evaluator_membership())
    assert client.get(reverse("chequebooks:print_run_download", args=[run.pk])).status_code == 404


def test_a_running_print_run_page_follows_its_progress(client, login):
    manager = manager_membership()
    run = PrintRun.objects.create(
        vintage=VintageFactory(),
        envelope=cd12_envelope(),
        chequebook_count=10,
        status=PrintRun.Status.RUNNING,
        progress=40,
        heartbeat_at=timezone.now(),
        created_by=manager.user,
    )
    login(manager)
    page = client.get(reverse("chequebooks:print_run_detail", args=[run.pk])).content.decode()
    assert "40 %" in page and "chequebooks-print-run.js" in page
    assert "Relancer" not in page
    progress = client.get(reverse("chequebooks:print_run_progress", args=[run.pk])).json()
    assert progress == {"status": "running", "progress": 40, "stalled": False}
    login(evaluator_membership())
    url = reverse("chequebooks:print_run_progress", args=[run.pk])
    assert client.get(url).status_code == 404


def test_a_stalled_print_run_page_offers_the_relaunch(client, login):
    """A run "running" with no sign of life for PRINT_RUN_STALE_MINUTES: the page says so,
    stops polling and offers the relaunch, which queues the rendering again."""
    import datetime

    from chequebooks.services import PRINT_RUN_STALE_MINUTES

    manager = manager_membership()
    run = PrintRun.objects.create(
        vintage=VintageFactory(),
        envelope=cd12_envelope(),
        chequebook_count=10,
        status=PrintRun.Status.RUNNING,
        progress=40,
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=PRINT_RUN_STALE_MINUTES + 1),
        created_by=manager.user,
    )
    login(manager)
    url = reverse("chequebooks:print_run_detail", args=[run.pk])
    page = client.get(url).content.decode()
    assert "ne donne plus signe de vie" in page and "Relancer l'impression" in page
    assert "chequebooks-print-run.js" not in page
    # A page opened before it stalled polls the progress and reloads on "stalled".
    progress = client.get(reverse("chequebooks:print_run_progress", args=[run.pk])).json()
    assert progress["stalled"] is True
    client.post(reverse("chequebooks:print_run_relaunch", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == PrintRun.Status.PENDING


def test_the_import_page_lists_the_bad_lines(client, login):
    VintageFactory(year=2026)
    login(manager_membership())
    data = (
        "numero_chequier;numero_cheque;code_securite;millesime;valeur_faciale\n1;101;;2031;10,00\n"
    )
    response = client.post(
        reverse("chequebooks:import"),
        {"envelope": cd12_envelope().pk, "file": SimpleUploadedFile("x.csv", data.encode())},
    )
    page = response.content.decode()
    assert "Rien n&#x27;a été importé" in page or "Rien n'a été importé" in page
    assert "Ligne 2 : millésime inconnu (2031)." in page
    assert not Chequebook.objects.exists()


def test_the_allocation_page_allocates(client, login):
    vintage, envelope = VintageFactory(), cd12_envelope()
    for i in range(3):
        ChequebookFactory(number=8000 + i, vintage=vintage, envelope=envelope)
    desk = FrontDeskFactory()
    login(manager_membership())
    response = client.post(
        reverse("chequebooks:allocation"),
        {"envelope": envelope.pk, "vintage": vintage.pk, "front_desk": desk.pk, "count": 2},
    )
    assert response.status_code == 302
    assert Chequebook.objects.filter(holder=desk).count() == 2


def test_the_reconciliation_page_and_freeze_lift(client, login):
    vintage = VintageFactory()
    vintage.handover_frozen = True
    vintage.save()
    login(manager_membership())
    url = reverse("chequebooks:vintage_reconciliation", args=[vintage.year])
    assert "Lever le gel" in client.get(url).content.decode()
    client.post(reverse("chequebooks:freeze_lift", args=[vintage.year]))
    vintage.refresh_from_db()
    # Lifted in June, before its D-15: unfrozen, and the 15 December freeze still comes.
    assert not vintage.handover_frozen and not vintage.freeze_lifted


def test_the_chequebook_page_keeps_a_query_budget(client, login, django_assert_max_num_queries):
    agent = evaluator_membership()
    book = desk_chequebook(agent.organisation)
    login(agent)
    url = reverse("chequebooks:chequebook_detail", args=[book.pk])
    client.get(url)
    with django_assert_max_num_queries(14):
        page = client.get(url).content.decode()
    assert "Remettre" in page and str(book.number) in page


def test_the_receipt_names_the_chosen_mediation_place(client, login):
    from orientation.models import Referral
    from tests.factories import PlaceFactory

    agent = evaluator_membership()
    person = cd12_beneficiary(agent.organisation, first_name="Paul", last_name="Bru")
    from chequebooks.services import chequebook_hand_over

    book = chequebook_hand_over(
        chequebook=desk_chequebook(agent.organisation), beneficiary=person, membership=agent
    )
    place = PlaceFactory(name="Espace numérique des Causses")
    Referral.objects.create(
        beneficiary=person,
        place=place,
        mediator=place.organisation,
        from_organisation=agent.organisation,
        created_by=agent.user,
        chequebook=book,
    )
    login(agent)
    pdf = client.get(reverse("chequebooks:receipt_pdf", args=[book.pk]))
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Espace numérique des Causses" in text
    from passnum.core.text import french_phone  # printed in groups of two

    assert french_phone(place.phone).replace("\xa0", " ") in text.replace("\xa0", " ")


def test_vintage_print_run_and_lookup_pages_keep_a_query_budget(
    client, login, django_assert_max_num_queries
):
    """The same budget with 2 or 8 of each: no query per row."""
    manager = manager_membership()
    envelope = cd12_envelope()
    login(manager)

    def add(years):
        for year in years:
            vintage = VintageFactory(year=year)
            ChequebookFactory(vintage=vintage, envelope=envelope)
            PrintRun.objects.create(
                vintage=vintage,
                envelope=envelope,
                chequebook_count=1,
                created_by=manager.user,
                first_number=1,
                last_number=1,
            )

    add([2025, 2026])
    book = Chequebook.objects.first()
    pages = [
        (reverse("chequebooks:vintage_list"), {}),
        (reverse("chequebooks:vintage_reconciliation", args=[2026]), {}),
        (reverse("chequebooks:print_run_list"), {}),
        (reverse("chequebooks:lookup"), {"number": book.cheques.first().number}),
        (reverse("chequebooks:lookup"), {"number": book.number}),
    ]
    client.get(pages[0][0])  # warm caches (content types, session)
    for year_set in ([], list(range(2019, 2025))):
        add(year_set)
        for url, params in pages:
            with django_assert_max_num_queries(11):
                assert client.get(url, params).status_code == 200, url


def test_other_desks_actions_and_print_runs_are_404(client, login):
    manager = manager_membership()
    agent = evaluator_membership()
    theirs = desk_chequebook(FrontDeskFactory())
    handed = ChequebookFactory(
        state=ChequebookState.HANDED_OUT,
        envelope=cd12_envelope(),
        vintage=VintageFactory(),
        beneficiary=cd12_beneficiary(theirs.holder),
        handed_out_at=theirs.allocated_at,
        handed_out_by_organisation=theirs.holder,
    )
    run = PrintRun.objects.create(
        vintage=VintageFactory(),
        envelope=cd12_envelope(),
        chequebook_count=1,
        status=PrintRun.Status.FAILED,
        created_by=manager.user,
    )
    login(agent)
    assert client.get(reverse("chequebooks:receipt_pdf", args=[handed.pk])).status_code == 404
    returned = client.post(reverse("chequebooks:chequebook_return", args=[theirs.pk]))
    assert returned.status_code == 404
    for name in ["chequebook_transfer", "exception_grant"]:
        assert client.get(reverse(f"chequebooks:{name}", args=[theirs.pk])).status_code == 404
    for name in ["print_run_detail", "print_run_progress", "print_run_download"]:
        assert client.get(reverse(f"chequebooks:{name}", args=[run.pk])).status_code == 404, name
    assert client.post(reverse("chequebooks:print_run_relaunch", args=[run.pk])).status_code == 404
    theirs.refresh_from_db()
    run.refresh_from_db()
    assert theirs.holder_id and run.status == PrintRun.Status.FAILED


def test_a_manager_relaunches_a_failed_print_run_from_its_page(client, login):
    manager = manager_membership()
    run = PrintRun.objects.create(
        vintage=VintageFactory(),
        envelope=cd12_envelope(),
        chequebook_count=1,
        status=PrintRun.Status.FAILED,
        error="imprimante en panne",
        created_by=manager.user,
    )
    login(manager)
    url = reverse("chequebooks:print_run_detail", args=[run.pk])
    assert "Relancer l'impression" in client.get(url).content.decode()
    client.post(reverse("chequebooks:print_run_relaunch", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == PrintRun.Status.PENDING and run.error == ""
    PrintRun.objects.filter(pk=run.pk).update(status=PrintRun.Status.DONE)
    assert "Relancer" not in client.get(url).content.decode()
    page = client.post(reverse("chequebooks:print_run_relaunch", args=[run.pk]), follow=True)
    assert "en cours ou terminée" in page.content.decode()
    assert PrintRun.objects.get(pk=run.pk).status == PrintRun.Status.DONE


def test_print_run_and_allocation_forms_offer_only_running_vintages(client, login):
    VintageFactory(year=2025)  # ended on 31 January 2026
    VintageFactory(year=2026)
    login(manager_membership())
    for name in ["chequebooks:print_run_new", "chequebooks:allocation"]:
        form = client.get(reverse(name)).context["form"]
        assert [v.year for v in form.fields["vintage"].queryset] == [2026], name


def test_the_chequebook_page_says_frozen_from_the_date(client, login):
    agent = evaluator_membership()
    book = desk_chequebook(agent.organisation, vintage=VintageFactory(year=2026))
    url = reverse("chequebooks:chequebook_detail", args=[book.pk])
    with freeze_time("2026-12-15 10:00"):  # the daily task has not recorded the freeze
        login(agent)
        page = client.get(url).content.decode()
    assert "remises gelées" in page and ">Remettre<" not in page
