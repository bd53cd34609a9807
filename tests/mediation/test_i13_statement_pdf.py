"""Issue 13: the statement and the agreement PDFs carry the issuer block (the owner
organisation, as managers keep it) and fit their pages; their first pages are kept as
pictures (tests/artifacts)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from mediation.models import Agreement, Statement
from mediation.services import agreement_render
from passnum.organisations.models import Organisation, OrganisationKind
from tests.pdf_pages import pdf_pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def issuer(db):
    Organisation.objects.filter(kind=OrganisationKind.OWNER).update(
        name="Conseil départemental de l'Aveyron", address="Hôtel du Département"
    )


def test_the_statement_pdf_names_its_issuer(manager, mediator, chequebook, redeem, login, issuer):
    redeem(list(chequebook.cheques.all()[:2]))
    client = login(manager)
    client.post(
        reverse("mediation:statements_produce"),
        {"period": timezone.localdate().replace(day=1).isoformat()},
    )
    statement = Statement.objects.get(mediator=mediator.organisation)
    response = client.get(reverse("mediation:statement_pdf", args=[statement.pk]))
    pages, text = pdf_pages(b"".join(response.streaming_content), "pdf-statement")
    assert pages == 1
    assert "Conseil départemental de l'Aveyron" in text and "Hôtel du Département" in text
    assert "2 chèques" in text


def test_the_agreement_pdf_names_its_issuer_and_has_signature_lines(mediator, issuer):
    agreement = Agreement.objects.get(mediator=mediator.organisation)
    agreement_render(agreement)
    agreement.file.open("rb")
    pages, text = pdf_pages(agreement.file.read(), "pdf-agreement")
    agreement.file.close()
    assert pages == 1
    assert "Conseil départemental de l'Aveyron" in text and "Hôtel du Département" in text
    assert "représenté(e)" not in text
