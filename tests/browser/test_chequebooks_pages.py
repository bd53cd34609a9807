"""The other cheque stock pages, each checked for accessibility: import (with its list of bad
lines), vintages and reconciliation, transfer, opposition, exception, a coordinator's stock."""

import datetime

import pytest
from django.utils import timezone

from chequebooks.models import Chequebook, ChequebookState, PrintRun
from chequebooks.services import PRINT_RUN_STALE_MINUTES, chequebook_hand_over
from passnum.programme.models import TargetPublic
from passnum.territory.models import Side
from tests.factories import BeneficiaryFactory

pytestmark = pytest.mark.browser


def test_manager_pages(page, demo, log_in, check_a11y, tmp_path):
    msd = demo.orgs["msd_rodez"]
    evaluator = demo.users["accueil@demo.passnum.fr"]
    agent = evaluator.memberships.get(organisation=msd)
    person = BeneficiaryFactory(
        registered_by_organisation=msd,
        registered_by=evaluator,
        target_public=TargetPublic.objects.filter(side=Side.CD12).first(),
        commune=msd.commune,
    )
    held = list(
        Chequebook.objects.filter(
            holder=msd, state=ChequebookState.AT_FRONT_DESK, vintage__year=demo.current_year
        ).order_by("number")[:2]
    )
    handed = chequebook_hand_over(chequebook=held[0], beneficiary=person, membership=agent)

    log_in("gestionnaire@demo.passnum.fr")
    sub = page.get_by_role("navigation", name="Chéquiers")
    running = PrintRun.objects.create(
        vintage=held[1].vintage,
        envelope=held[1].envelope,
        chequebook_count=500,
        status=PrintRun.Status.RUNNING,
        progress=42,
        heartbeat_at=timezone.now(),
        created_by=demo.users["gestionnaire@demo.passnum.fr"],
    )
    page.goto(f"/cheques/impressions/{running.pk}/")
    assert "42 %" in page.content()
    check_a11y(page, "chequebooks-print-run-in-progress")
    # The page's script polls the progress and reloads itself once the file is ready.
    PrintRun.objects.filter(pk=running.pk).update(status=PrintRun.Status.DONE, progress=100)
    page.get_by_text("Aucun fichier.").wait_for(timeout=10_000)
    # A run whose worker died: no sign of life for PRINT_RUN_STALE_MINUTES, relaunch offered.
    stalled = PrintRun.objects.create(
        vintage=held[1].vintage,
        envelope=held[1].envelope,
        chequebook_count=3,
        first_number=9001,
        last_number=9003,
        status=PrintRun.Status.RUNNING,
        progress=30,
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=PRINT_RUN_STALE_MINUTES + 1),
        created_by=demo.users["gestionnaire@demo.passnum.fr"],
    )
    page.goto(f"/cheques/impressions/{stalled.pk}/")
    assert "ne donne plus signe de vie" in page.content()
    check_a11y(page, "chequebooks-print-run-stalled")
    failed = PrintRun.objects.create(
        vintage=held[1].vintage,
        envelope=held[1].envelope,
        chequebook_count=3,
        first_number=9004,
        last_number=9006,
        status=PrintRun.Status.FAILED,
        error="imprimante en panne",
        created_by=demo.users["gestionnaire@demo.passnum.fr"],
    )
    page.goto(f"/cheques/impressions/{failed.pk}/")
    assert "imprimante en panne" in page.content()
    check_a11y(page, "chequebooks-print-run-failed")
    page.get_by_role("button", name="Relancer l'impression").click()
    assert "relancée" in page.content()
    assert PrintRun.objects.get(pk=failed.pk).status != PrintRun.Status.FAILED
    page.goto("/cheques/import/")
    csv = tmp_path / "livraison.csv"
    csv.write_text(
        "numero_chequier;numero_cheque;code_securite;millesime;valeur_faciale\n"
        "990001;99000101;;1999;10,00\n",
        encoding="utf-8",
    )
    page.get_by_label("Enveloppe").select_option(label="Enveloppe CD12")
    page.get_by_label("Fichier CSV de l'opérateur").set_input_files(str(csv))
    page.get_by_role("button", name="Importer").click()
    assert "Ligne 2 : millésime inconnu (1999)." in page.content()
    check_a11y(page, "chequebooks-import-errors")

    sub.get_by_role("link", name="Millésimes").click()
    check_a11y(page, "chequebooks-vintages")
    page.get_by_role("link", name=str(demo.current_year), exact=True).click()
    # A running vintage: its cheques not used yet, nothing to credit back (i13).
    assert "non encore utilisés" in page.content() and "à recréditer" not in page.content()
    check_a11y(page, "chequebooks-reconciliation")

    page.goto(f"/cheques/chequiers/{held[1].pk}/")
    page.get_by_role("link", name="Transférer").click()
    check_a11y(page, "chequebooks-transfer")
    page.get_by_label("Nouvel accueil").select_option(label=demo.orgs["caf"].name)
    page.get_by_role("button", name="Transférer").click()
    assert "transféré" in page.content()
    cheque = held[1].cheques.order_by("position").first()
    page.get_by_role("link", name=f"Opposition sur le chèque {cheque.number}").click()
    check_a11y(page, "chequebooks-cheque-cancel")
    page.get_by_label("Motif de l'opposition").fill("Chèque déchiré")
    page.get_by_role("button", name="Enregistrer l'opposition").click()
    assert f"Opposition enregistrée sur le chèque n° {cheque.number}" in page.content()

    page.goto(f"/cheques/chequiers/{handed.pk}/")
    page.get_by_role("link", name="Accorder une dérogation").click()
    check_a11y(page, "chequebooks-exception")
    page.get_by_label("Motif de la dérogation").fill("Chéquier détruit dans un incendie")
    page.get_by_role("button", name="Accorder la dérogation").click()
    assert "Dérogation accordée" in page.content()
    page.get_by_role("link", name="Faire opposition").click()
    check_a11y(page, "chequebooks-cancel")
    page.get_by_label("Motif de l'opposition").fill("Perte déclarée")
    page.get_by_role("button", name="Enregistrer l'opposition").click()
    assert "Opposition enregistrée" in page.content()
    check_a11y(page, "chequebooks-chequebook-cancelled")
    handed.refresh_from_db()
    assert handed.state == ChequebookState.CANCELLED
    page.get_by_role("button", name="Se déconnecter").click()

    log_in("epci@demo.passnum.fr")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Chéquiers"
    ).click()
    assert "Enveloppe CD12" not in page.content()
    check_a11y(page, "chequebooks-stock-epci")
    # Its vintage figures are those of its EPCI's envelope, and say so.
    page.get_by_role("navigation", name="Chéquiers").get_by_role("link", name="Millésimes").click()
    assert "Chiffres : enveloppe de" in page.content()
    check_a11y(page, "chequebooks-vintages-epci")
    page.get_by_role("link", name=str(demo.current_year), exact=True).click()
    assert "Lever le gel" not in page.content()
    check_a11y(page, "chequebooks-reconciliation-epci")
