"""Issue 13: the statement PDF carries the issuer block (the owner organisation)."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from mediation.models import Statement
from passnum.organisations.models import Organisation, OrganisationKind

pytestmark = pytest.mark.django_db


def test_the_statement_pdf_names_its_issuer(manager, mediator, chequebook, redeem, login):
    redeem(list(chequebook.cheques.all()[:2]))
    Organisation.objects.filter(kind=OrganisationKind.OWNER).update(
        name="Conseil départemental de l'Aveyron", address="Hôtel du Département"
    )
    client = login(manager)
    client.post(
        reverse("mediation:statements_produce"),
        {"period": timezone.localdate().replace(day=1).isoformat()},
    )
    statement = Statement.objects.get(mediator=mediator.organisation)
    response = client.get(reverse("mediation:statement_pdf", args=[statement.pk]))
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    text = reader.pages[0].extract_text()
    assert "Conseil départemental de l'Aveyron" in text and "Hôtel du Département" in text
    assert "2 chèques" in text
