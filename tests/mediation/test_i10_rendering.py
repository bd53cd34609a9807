"""Issue 10: statements and agreements are rendered by the worker, never in the web request;
their bytes are written once, whole, and a rerun gives the same number and bytes."""

import datetime
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from mediation.models import Agreement, Statement
from mediation.services import agreements as agreement_services
from mediation.services import statements as statement_services
from passnum.core.storage import file_record_once
from tests.factories import OwnerFactory

pytestmark = pytest.mark.django_db


def _no_pdf_in_the_request(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("WeasyPrint ran inside the web request")

    monkeypatch.setattr(statement_services, "render_pdf", refuse)
    monkeypatch.setattr(agreement_services, "render_pdf", refuse)


def test_producing_statements_renders_no_pdf_in_the_request_the_worker_does(
    manager, mediator, chequebook, redeem, login, monkeypatch, django_capture_on_commit_callbacks
):
    redeem(list(chequebook.cheques.all()[:2]))
    client = login(manager)
    real = statement_services.render_pdf
    _no_pdf_in_the_request(monkeypatch)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            reverse("mediation:statements_produce"),
            {"period": timezone.localdate().replace(day=1).isoformat()},
        )
    assert response.status_code == 302
    statement = Statement.objects.get()
    assert not statement.file and statement.number
    page = client.get(reverse("mediation:statement_detail", args=[statement.pk]))
    assert "en préparation" in page.content.decode()
    assert "js/file-pending.js" in page.content.decode()
    pdf_url = reverse("mediation:statement_pdf", args=[statement.pk])
    assert client.get(pdf_url).status_code == 404

    # The worker: the queued task renders it.
    monkeypatch.setattr(statement_services, "render_pdf", real)
    for callback in queued:
        callback()
    statement.refresh_from_db()
    data = b"".join(client.get(pdf_url).streaming_content)
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == statement.file_sha256
    page = client.get(reverse("mediation:statement_detail", args=[statement.pk]))
    assert "en préparation" not in page.content.decode()


def test_a_rerun_after_a_lost_file_gives_the_same_number_and_bytes(
    mediator, chequebook, redeem, django_capture_on_commit_callbacks
):
    redeem(list(chequebook.cheques.all()[:2]))
    with django_capture_on_commit_callbacks(execute=True):
        statement = statement_services.statement_issue(
            mediator=mediator.organisation, period_start=timezone.localdate()
        )
    statement.refresh_from_db()
    number, digest = statement.number, statement.file_sha256
    first = statement.file.read()
    statement.file.close()
    # A worker killed before recording its file: the row has no file; beat queues it again.
    Statement.objects.filter(pk=statement.pk).update(file="", file_sha256="")
    with django_capture_on_commit_callbacks(execute=True):
        assert statement_services.pdfs_render_missing() >= 1  # (the fixture's agreement too)
    statement.refresh_from_db()
    assert statement.number == number and statement.file_sha256 == digest
    assert statement.file.read() == first


def test_a_second_rendering_keeps_the_first_file(
    mediator, chequebook, redeem, django_capture_on_commit_callbacks
):
    redeem(list(chequebook.cheques.all()[:1]))
    with django_capture_on_commit_callbacks(execute=True):
        statement = statement_services.statement_issue(
            mediator=mediator.organisation, period_start=timezone.localdate()
        )
    statement.refresh_from_db()
    stale = Statement.objects.get(pk=statement.pk)
    stale.file = ""  # as a duplicate delivery read the row before the first recorded it
    assert not file_record_once(stale, field="file", name="releve-x.pdf", data=b"other")
    statement.refresh_from_db()
    assert statement.file.name == stale.file.name and statement.file.read().startswith(b"%PDF")
    assert not statement.file.storage.exists(statement.file.name.replace(".pdf", "") + "x.pdf")


def test_an_agreement_is_rendered_by_the_worker(
    manager, mediator, monkeypatch, django_capture_on_commit_callbacks, login
):
    real = agreement_services.render_pdf
    _no_pdf_in_the_request(monkeypatch)
    start = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        agreement = agreement_services.agreement_create(
            mediator=mediator.organisation,
            counterpart=OwnerFactory(),
            start_date=start,
            end_date=start + datetime.timedelta(days=365),
            membership=manager,
        )
    assert not Agreement.objects.get(pk=agreement.pk).file
    page = login(manager).get(reverse("mediation:agreement_detail", args=[agreement.pk]))
    assert "en préparation" in page.content.decode()
    monkeypatch.setattr(agreement_services, "render_pdf", real)
    for callback in queued:
        callback()
    agreement.refresh_from_db()
    assert agreement.file.read().startswith(b"%PDF") and len(agreement.file_sha256) == 64
