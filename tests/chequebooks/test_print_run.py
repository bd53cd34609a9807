"""Print runs: gapless numbers, secret codes stored only as keyed hashes, the print file."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from pypdf import PdfReader

from chequebooks.models import Cheque, Chequebook, PrintRun
from chequebooks.services import (
    CODE_ALPHABET,
    cheque_code_generate,
    cheque_code_hash,
    cheque_code_matches,
    cheque_qr_parse,
    cheque_qr_text,
    print_run_create,
)
from passnum.core.models import Counter
from tests.chequebooks.factories import cd12_desk_agent, cd12_envelope
from tests.factories import VintageFactory, manager_membership

pytestmark = pytest.mark.django_db


def _run(count=3, *, membership=None, capture=None, **kwargs):
    membership = membership or manager_membership()
    vintage = kwargs.pop("vintage", None) or VintageFactory()
    envelope = kwargs.pop("envelope", None) or cd12_envelope()
    with capture(execute=True):
        run = print_run_create(
            vintage=vintage,
            envelope=envelope,
            chequebook_count=count,
            membership=membership,
            **kwargs,
        )
    run.refresh_from_db()
    return run


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_chequebook_numbers_follow_each_other_without_gaps(django_capture_on_commit_callbacks):
    manager = manager_membership()
    first = _run(3, membership=manager, capture=django_capture_on_commit_callbacks)
    second = _run(2, membership=manager, capture=django_capture_on_commit_callbacks)
    numbers = list(Chequebook.objects.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + 5))
    assert second.first_number == first.last_number + 1
    assert Cheque.objects.count() == 50


def test_a_refused_print_run_takes_no_number():
    manager = manager_membership()
    vintage, envelope = VintageFactory(), cd12_envelope()
    with pytest.raises(ValidationError, match="de 1 à"):
        print_run_create(vintage=vintage, envelope=envelope, chequebook_count=0, membership=manager)
    # The counter did not move: no number was lost.
    assert not Counter.objects.filter(name="chequebook", value__gt=0).exists()
    assert not PrintRun.objects.exists()


def test_only_a_programme_manager_starts_a_print_run():
    with pytest.raises(ValidationError, match="gestionnaire"):
        print_run_create(
            vintage=VintageFactory(),
            envelope=cd12_envelope(),
            chequebook_count=1,
            membership=cd12_desk_agent(),
        )


def test_the_print_file_has_every_number_and_a_code_that_matches(
    django_capture_on_commit_callbacks,
):
    run = _run(2, capture=django_capture_on_commit_callbacks)
    assert run.status == PrintRun.Status.DONE and run.progress == 100
    data = run.file.read()
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    for cheque in Cheque.objects.filter(chequebook__print_run=run):
        assert str(cheque.number) in text
        assert cheque.code_hash
    # Read the code printed next to the first cheque and check it against the stored hash.
    cheque = Cheque.objects.filter(chequebook__print_run=run).order_by("number").first()
    codes = re.findall(r"Code\s*:\s*([" + CODE_ALPHABET + r"]{8})", text)
    assert len(codes) == 20
    assert cheque_code_matches(cheque=cheque, code=codes[0])
    assert str(run.first_number) in text and "Comment utiliser ce chéquier" in text


def test_codes_cannot_be_recovered_from_the_database(django_capture_on_commit_callbacks):
    run = _run(1, capture=django_capture_on_commit_callbacks)
    text = _pdf_text(run.file.read())
    codes = set(re.findall(r"Code\s*:\s*([" + CODE_ALPHABET + r"]{8})", text))
    assert len(codes) == 10
    stored = list(Cheque.objects.values_list("code_hash", flat=True))
    dump = " ".join(str(v) for row in Cheque.objects.values_list() for v in row) + " ".join(
        str(v) for row in PrintRun.objects.values_list() for v in row
    )
    assert not any(code in dump for code in codes)
    # The hash is keyed: without the key (kept outside the database) it does not match.
    code = next(iter(codes))
    with override_settings(PASSNUM_CHEQUE_CODE_KEY="a-copy-of-the-database-lacks-the-key"):
        assert cheque_code_hash(code) not in stored
    assert cheque_code_hash(code) in stored


def test_security_codes_are_long_and_drawn_from_an_unambiguous_alphabet():
    codes = {cheque_code_generate() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) >= 8
        assert not set(code) & set("01OILSZB5U2V8")


def test_qr_text_round_trips_and_rejects_other_text():
    text = cheque_qr_text(number=104201, code="K7M9P2QX")
    assert text == "PASSNUM:104201:K7M9P2QX"
    assert cheque_qr_parse(text) == (104201, "K7M9P2QX")
    assert cheque_qr_parse(" passnum;104201;k7m9p2qx\n") == (104201, "K7M9P2QX")
    for bad in ["", "104201", "PASSNUM:abc:K7M9P2QX", "https://example.org"]:
        with pytest.raises(ValidationError):
            cheque_qr_parse(bad)


def test_a_failed_rendering_is_shown_and_can_be_run_again(
    django_capture_on_commit_callbacks, monkeypatch
):
    from chequebooks import services

    def boom(*args, **kwargs):
        raise RuntimeError("imprimante en panne")

    monkeypatch.setattr("passnum.pdf.render_pdf", boom)
    with pytest.raises(RuntimeError):
        _run(1, capture=django_capture_on_commit_callbacks)
    run = PrintRun.objects.get()
    assert run.status == PrintRun.Status.FAILED and "panne" in run.error
    monkeypatch.undo()
    services.print_run_render(print_run=run)
    run.refresh_from_db()
    assert run.status == PrintRun.Status.DONE


def test_chequebooks_of_an_unfinished_print_run_cannot_be_allocated():
    from chequebooks.services import chequebooks_allocate
    from tests.factories import FrontDeskFactory

    manager = manager_membership()
    vintage, envelope = VintageFactory(), cd12_envelope()
    # Without running the on-commit task the run stays pending.
    print_run_create(vintage=vintage, envelope=envelope, chequebook_count=2, membership=manager)
    with pytest.raises(ValidationError, match="Stock insuffisant"):
        chequebooks_allocate(
            envelope=envelope,
            vintage=vintage,
            front_desk=FrontDeskFactory(),
            membership=manager,
            count=1,
        )
