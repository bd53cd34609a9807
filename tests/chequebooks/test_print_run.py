"""Print runs: gapless numbers, secret codes stored only as keyed hashes, the print file."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
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
from passnum.audit.models import JournalEntry
from passnum.core.models import Counter
from tests.factories import VintageFactory, cd12_desk_agent, cd12_envelope, manager_membership

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


def test_a_print_run_refused_after_taking_its_numbers_gives_them_back(monkeypatch):
    """The refusal happens once the counter has moved (a number taken by an import at the same
    instant): the counter, the run and its chequebooks all roll back, with a French message."""
    from django.db import IntegrityError

    manager = manager_membership()
    vintage, envelope = VintageFactory(), cd12_envelope()
    Counter.objects.update_or_create(name="chequebook", defaults={"value": 41})
    real_bulk_create = Cheque.objects.bulk_create

    def collide(*args, **kwargs):
        assert Counter.objects.get(name="chequebook").value == 44  # the numbers were taken
        raise IntegrityError("UNIQUE constraint failed: chequebooks_cheque.number")

    monkeypatch.setattr(Cheque.objects, "bulk_create", collide)
    with pytest.raises(ValidationError, match="viennent d'être pris par un import"):
        print_run_create(vintage=vintage, envelope=envelope, chequebook_count=3, membership=manager)
    monkeypatch.setattr(Cheque.objects, "bulk_create", real_bulk_create)
    assert Counter.objects.get(name="chequebook").value == 41
    assert not PrintRun.objects.exists() and not Chequebook.objects.exists()
    run = print_run_create(
        vintage=vintage, envelope=envelope, chequebook_count=3, membership=manager
    )
    assert (run.first_number, run.last_number) == (42, 44)


def test_a_print_run_never_meets_imported_cheque_numbers(django_capture_on_commit_callbacks):
    """An operator's chequebook 5 holds cheques 1001 to 1010, which printed chequebook 10
    would also use: the run starts after chequebook 10, and nothing collides."""
    from chequebooks.services import import_batch_create

    manager = manager_membership()
    vintage, envelope = VintageFactory(), cd12_envelope()
    import_batch_create(
        rows_text="".join(f"5;{1000 + i};;{vintage.year};10,00\n" for i in range(1, 11)),
        file_name="operateur.csv",
        envelope=envelope,
        membership=manager,
    )
    run = _run(
        10,
        membership=manager,
        vintage=vintage,
        envelope=envelope,
        capture=django_capture_on_commit_callbacks,
    )
    assert (run.first_number, run.last_number) == (11, 20)
    printed = set(Cheque.objects.filter(chequebook__print_run=run).values_list("number", flat=True))
    assert printed == {n * 100 + p for n in range(11, 21) for p in range(1, 11)}
    assert Cheque.objects.count() == 110
    # The next run follows on, without a gap.
    following = _run(
        2,
        membership=manager,
        vintage=vintage,
        envelope=envelope,
        capture=django_capture_on_commit_callbacks,
    )
    assert following.first_number == 21


def test_an_ended_vintage_is_not_printed():
    import datetime

    vintage = VintageFactory(year=2020)
    assert vintage.valid_until < datetime.date.today()
    with pytest.raises(ValidationError, match="terminé"):
        print_run_create(
            vintage=vintage,
            envelope=cd12_envelope(),
            chequebook_count=1,
            membership=manager_membership(),
        )


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
        with pytest.raises(ValidationError, match="n'est pas celui d'un chèque Pass numérique"):
            cheque_qr_parse(bad)


def test_a_failed_rendering_is_shown_and_can_be_run_again(
    django_capture_on_commit_callbacks, monkeypatch
):
    from chequebooks import services

    def boom(*args, **kwargs):
        raise RuntimeError("imprimante en panne")

    monkeypatch.setattr("chequebooks.services.print_runs.render_pdf", boom)
    with pytest.raises(RuntimeError):
        _run(1, capture=django_capture_on_commit_callbacks)
    run = PrintRun.objects.get()
    assert run.status == PrintRun.Status.FAILED and "panne" in run.error
    monkeypatch.undo()
    # Not by calling the task again: a failed run renders only once a manager relaunched it.
    assert services.print_run_render(print_run=run) is False
    run.refresh_from_db()
    assert run.status == PrintRun.Status.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        services.print_run_relaunch(print_run=run, membership=manager_membership())
    run.refresh_from_db()
    assert run.status == PrintRun.Status.DONE and run.file
    assert JournalEntry.objects.filter(action="chequebooks.print_run.relaunched").exists()


def test_a_finished_or_running_run_is_never_rendered_again(django_capture_on_commit_callbacks):
    """A duplicate delivery of the task, or a relaunch, on a run whose codes may be on paper
    changes nothing: the codes stay those of the file."""
    from chequebooks import services
    from chequebooks.tasks import print_run_render_task

    run = _run(1, capture=django_capture_on_commit_callbacks)
    hashes = list(Cheque.objects.order_by("pk").values_list("code_hash", flat=True))
    print_run_render_task(run.pk)  # a second delivery of the same task
    assert services.print_run_render(print_run=run) is False
    with pytest.raises(ValidationError, match="en échec, en attente ou bloquée"):
        services.print_run_relaunch(print_run=run, membership=manager_membership())
    PrintRun.objects.filter(pk=run.pk).update(status=PrintRun.Status.RUNNING)
    assert services.print_run_render(print_run=run) is False
    with pytest.raises(ValidationError, match="en échec, en attente ou bloquée"):
        services.print_run_relaunch(print_run=run, membership=manager_membership())
    assert list(Cheque.objects.order_by("pk").values_list("code_hash", flat=True)) == hashes


def _codes_match_the_file(run) -> bool:
    text = _pdf_text(run.file.read())
    codes = re.findall(r"Code\s*:\s*([" + CODE_ALPHABET + r"]{8})", text)
    cheques = list(Cheque.objects.filter(chequebook__print_run=run).order_by("number"))
    return len(codes) == len(cheques) and all(
        cheque_code_matches(cheque=c, code=code) for c, code in zip(cheques, codes, strict=True)
    )


def test_a_run_whose_worker_died_while_running_is_relaunched_once_stale(
    django_capture_on_commit_callbacks,
):
    """A worker killed during WeasyPrint leaves its run "running": refused while its last
    sign of life is recent, relaunched once it is older than PRINT_RUN_STALE_MINUTES."""
    from freezegun import freeze_time

    from chequebooks import services

    manager = manager_membership()
    with freeze_time("2026-06-15 10:00"):
        run = print_run_create(
            vintage=VintageFactory(year=2026),
            envelope=cd12_envelope(),
            chequebook_count=2,
            membership=manager,
        )
        # The worker claims the run, then dies before its first chunk is done.
        PrintRun.objects.filter(pk=run.pk).update(
            status=PrintRun.Status.RUNNING, heartbeat_at=timezone.now(), attempt=1, progress=40
        )
        run.refresh_from_db()
    minutes = services.PRINT_RUN_STALE_MINUTES
    with freeze_time(f"2026-06-15 10:{minutes - 1:02d}"):
        assert not services.print_run_is_stalled(run)
        with pytest.raises(ValidationError, match="bloquée"):
            services.print_run_relaunch(print_run=run, membership=manager)
    with freeze_time(f"2026-06-15 10:{minutes + 1:02d}"):
        assert services.print_run_is_stalled(run) and services.print_run_can_relaunch(run)
        with django_capture_on_commit_callbacks(execute=True):
            services.print_run_relaunch(print_run=run, membership=manager)
    run.refresh_from_db()
    assert run.status == PrintRun.Status.DONE and run.file and run.attempt == 2
    assert _codes_match_the_file(run)


def test_a_slow_rendering_overtaken_by_a_relaunch_stops_writing(
    django_capture_on_commit_callbacks, monkeypatch
):
    """The first rendering is only slow: while it renders its first chunk, it is declared
    stale and relaunched, and the second rendering finishes. The first then finds it no
    longer owns its run and writes nothing more: the file and the stored hashes agree."""
    import datetime

    from chequebooks import services
    from passnum import pdf

    manager = manager_membership()
    run = print_run_create(
        vintage=VintageFactory(), envelope=cd12_envelope(), chequebook_count=2, membership=manager
    )
    real_render = pdf.render_pdf
    calls = []

    def slow_then_overtaken(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            minutes = services.PRINT_RUN_STALE_MINUTES + 1
            stale = timezone.now() - datetime.timedelta(minutes=minutes)
            PrintRun.objects.filter(pk=run.pk).update(heartbeat_at=stale)
            services.print_run_relaunch(print_run=run, membership=manager)
            assert services.print_run_render(print_run=run, chunk_size=1) is True
        return real_render(*args, **kwargs)

    monkeypatch.setattr("chequebooks.services.print_runs.render_pdf", slow_then_overtaken)
    # The first attempt was claimed (True); its chunks, overtaken, wrote nothing more.
    assert services.print_run_render(print_run=run, chunk_size=1) is True
    run.refresh_from_db()
    assert run.status == PrintRun.Status.DONE and run.attempt == 2 and run.progress == 100
    assert _codes_match_the_file(run)
    assert JournalEntry.objects.filter(action="chequebooks.print_run.rendered").count() == 1


def test_only_a_manager_relaunches_a_print_run():
    from chequebooks import services

    manager = manager_membership()
    run = print_run_create(
        vintage=VintageFactory(), envelope=cd12_envelope(), chequebook_count=1, membership=manager
    )
    with pytest.raises(ValidationError, match="gestionnaire"):
        services.print_run_relaunch(print_run=run, membership=cd12_desk_agent())


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
