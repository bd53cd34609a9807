"""Issue 13: a print run's PDF shares the print stylesheet: each chequebook's cover names
the issuer, then ten cheques a page; its first page is kept as a picture (tests/artifacts)."""

import pytest
from django.test import override_settings

from chequebooks.services import print_run_create
from tests.factories import VintageFactory, cd12_envelope, manager_membership
from tests.pdf_pages import pdf_pages

pytestmark = pytest.mark.django_db


@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_each_cover_names_the_issuer_and_the_cheques_fit_one_page(
    django_capture_on_commit_callbacks,
):
    membership = manager_membership()
    with django_capture_on_commit_callbacks(execute=True):
        run = print_run_create(
            vintage=VintageFactory(),
            envelope=cd12_envelope(),
            chequebook_count=2,
            membership=membership,
        )
    run.refresh_from_db()
    run.file.open("rb")
    pages, text = pdf_pages(run.file.read(), "pdf-print-run")
    run.file.close()
    assert pages == 4  # a cover and a sheet of ten cheques per chequebook
    assert text.count(membership.organisation.name) == 2
