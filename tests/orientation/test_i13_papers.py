"""Issue 13, the front desk's papers: step 5 and the person's page offer the referral sheet
and the receipt side by side; the person's chequebooks link to their page; the hand-over is in
the person's history and the chequebook's movements; every PDF shares one stylesheet, carries
the issuer (the owner organisation, as managers keep it) and fits its pages: the referral
sheet on one page, the receipt with signature lines."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from chequebooks.services import chequebook_hand_over
from passnum.organisations.models import Organisation, OrganisationKind
from tests.factories import (
    CommuneFactory,
    OwnerFactory,
    QualifiedPlaceFactory,
    cd12_beneficiary,
    cd12_desk_agent,
    desk_chequebook,
    referral_create,
)
from tests.pdf_pages import pdf_pages

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.fixture
def world(db):
    """A desk agent, a person handed a chequebook by the desk and referred with it, and the
    programme's owner with its address."""
    OwnerFactory(
        name="Conseil départemental de l'Aveyron",
        address="Hôtel du Département, place Charles-de-Gaulle",
        commune=CommuneFactory(name="Rodez", postcodes="12000"),
        phone="0565757000",
    )
    agent = cd12_desk_agent()
    person = cd12_beneficiary(agent.organisation, first_name="Hervé", last_name="Lagarrigue")
    book = chequebook_hand_over(
        chequebook=desk_chequebook(agent.organisation),
        beneficiary=person,
        membership=agent,
    )
    place = QualifiedPlaceFactory(name="Médiathèque de Millau – espace numérique")
    referral = referral_create(
        beneficiary=person, place=place, from_organisation=agent.organisation
    )
    referral.chequebook = book
    referral.save()
    return agent, person, book, referral


def _pdf(response):
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert data.startswith(b"%PDF"), response
    return data


def test_step_5_offers_the_sheet_and_the_receipt_side_by_side(world, client, login):
    agent, person, book, referral = world
    login(agent)
    body = client.get(reverse("orientation:flow_done", args=[referral.pk])).content.decode()
    papers = body[body.index('<ul class="papers">') : body.index("</ul>", body.index("papers"))]
    assert reverse("orientation:referral_sheet", args=[referral.pk]) in papers
    assert reverse("chequebooks:receipt_pdf", args=[book.pk]) in papers


def test_the_persons_page_offers_both_papers_and_links_the_chequebook(world, client, login):
    agent, person, book, referral = world
    login(agent)
    body = client.get(reverse("orientation:person_detail", args=[person.pk])).content.decode()
    papers = body[body.index('<ul class="papers">') : body.index("</ul>", body.index("papers"))]
    assert reverse("orientation:referral_sheet", args=[referral.pk]) in papers
    assert reverse("chequebooks:receipt_pdf", args=[book.pk]) in papers
    assert f'href="{reverse("chequebooks:chequebook_detail", args=[book.pk])}"' in body
    # The hand-over is in the person's history, in French.
    assert f"a remis le chéquier {book.number}" in body


def test_a_chequebook_of_another_desk_is_named_but_not_linked(world, client, login):
    agent, person, book, referral = world
    other = cd12_desk_agent()
    person.registered_by_organisation = other.organisation
    person.save()
    login(other)
    body = client.get(reverse("orientation:person_detail", args=[person.pk])).content.decode()
    assert f"Chéquier n° {book.number}" in body
    assert reverse("chequebooks:chequebook_detail", args=[book.pk]) not in body
    assert reverse("chequebooks:receipt_pdf", args=[book.pk]) not in body


def test_the_hand_over_is_one_of_the_chequebooks_movements(world, client, login):
    agent, person, book, referral = world
    login(agent)
    body = client.get(reverse("chequebooks:chequebook_detail", args=[book.pk])).content.decode()
    movements = body[body.index("<h2>Mouvements</h2>") :]
    assert "Remise à la personne" in movements
    assert str(person) in movements and agent.organisation.name in movements


def test_the_referral_sheet_fits_one_page_with_the_issuer(world, client, login):
    agent, person, book, referral = world
    login(agent)
    data = _pdf(client.get(reverse("orientation:referral_sheet", args=[referral.pk])))
    pages, text = pdf_pages(data, "pdf-referral-sheet")
    assert pages == 1
    assert "Conseil départemental de l'Aveyron" in text
    assert "Hôtel du Département, place Charles-de-Gaulle, 12000 Rodez" in text
    assert "05 65 75 70 00" in text
    assert "1er janvier" in text  # the vintage's first day, an ordinal
    # The place's name is not doubled with its mediator's.
    assert text.count("Médiathèque de Millau – espace numérique") == 1


def test_the_receipt_has_the_issuer_and_signature_lines(world, client, login):
    agent, person, book, referral = world
    login(agent)
    data = _pdf(client.get(reverse("chequebooks:receipt_pdf", args=[book.pk])))
    pages, text = pdf_pages(data, "pdf-receipt")
    assert pages == 1
    assert "Conseil départemental de l'Aveyron" in text
    assert "Signature" in text and "signature et cachet" in text
    assert "Hervé Lagarrigue" in text


def test_the_issuer_follows_the_owner_organisations_data(world, client, login):
    agent, person, book, referral = world
    Organisation.objects.filter(kind=OrganisationKind.OWNER).update(
        address="1 rue Neuve", phone="0565000001"
    )
    login(agent)
    data = _pdf(client.get(reverse("orientation:referral_sheet", args=[referral.pk])))
    _, text = pdf_pages(data, "pdf-referral-sheet-issuer")
    assert "1 rue Neuve, 12000 Rodez" in text and "05 65 00 00 01" in text


def test_every_pdf_template_uses_the_one_print_stylesheet():
    """No PDF template carries its own styles: each extends pdf/base.html, which links
    static/css/pdf.css and shows the issuer."""
    pdfs = [
        "orientation/referral_sheet.html",
        "orientation/person_export.html",
        "chequebooks/pdf/receipt.html",
        "chequebooks/pdf/print_run.html",
        "mediation/pdf/statement.html",
        "mediation/pdf/agreement.html",
        "reporting/report_pdf.html",
    ]
    base = (TEMPLATES / "pdf/base.html").read_text()
    assert 'href="static/css/pdf.css"' in base and "{% issuer_block %}" in base
    for name in pdfs:
        text = (TEMPLATES / name).read_text()
        assert text.startswith('{% extends "pdf/base.html" %}'), name
        assert "<style" not in text and "style=" not in text, name
    print_run = (TEMPLATES / "chequebooks/pdf/print_run.html").read_text()
    assert "{% issuer_block %}" in print_run  # on each chequebook's cover


def test_the_persons_data_pdf_names_its_issuer(world, client, login):
    agent, person, book, referral = world
    login(agent)
    data = _pdf(client.get(reverse("orientation:person_export_pdf", args=[person.pk])))
    pages, text = pdf_pages(data, "pdf-person-data")
    assert "Conseil départemental de l'Aveyron" in text and "Hervé" in text
    assert "Inscription par" in text
