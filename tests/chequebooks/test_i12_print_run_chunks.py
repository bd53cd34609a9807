"""Print runs across Celery workers (issue 12): each chunk of chequebooks is its own task,
progress moves per chunk, a chunk delivered twice writes nothing more, the last chunk done
merges the file once, in the order of the chequebook numbers."""

import io
import re
import threading

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test import override_settings
from pypdf import PdfReader

from chequebooks import tasks
from chequebooks.models import Cheque, PrintRun, PrintRunPart
from chequebooks.services import (
    CODE_ALPHABET,
    cheque_code_matches,
    print_run_chunk_render,
    print_run_chunk_size,
    print_run_create,
    print_run_render,
)
from passnum.audit.models import JournalEntry
from tests.factories import VintageFactory, cd12_envelope, manager_membership


@pytest.fixture
def queued(monkeypatch):
    """The chunk tasks' deliveries, held instead of run: the test delivers them itself."""
    part_ids = []
    monkeypatch.setattr(tasks.print_run_chunk_task, "delay", part_ids.append)
    return part_ids


def _claimed_run(count, *, chunk_size=1):
    """A run created (its first task not run) then claimed, its chunks queued."""
    run = print_run_create(
        vintage=VintageFactory(),
        envelope=cd12_envelope(),
        chequebook_count=count,
        membership=manager_membership(),
    )
    assert print_run_render(print_run=run, chunk_size=chunk_size) is True
    return run


def _pages(run):
    return [page.extract_text() for page in PdfReader(io.BytesIO(run.file.read())).pages]


def _covers(pages):
    """The chequebook numbers of the file's cover pages, in page order."""
    return [
        int(re.search(r"Chéquier n° (\d+)", text).group(1))
        for text in pages
        if "Comment utiliser ce chéquier" in text
    ]


def _rendered_count(run):
    return JournalEntry.objects.filter(
        action="chequebooks.print_run.rendered", target_id=str(run.pk)
    ).count()


def test_chunk_size_is_the_setting_and_a_small_run_is_cut_in_about_ten():
    assert print_run_chunk_size(1000) == 25
    assert print_run_chunk_size(9000) == 25
    assert print_run_chunk_size(20) == 2
    assert print_run_chunk_size(1) == 1
    with override_settings(PASSNUM_PRINT_RUN_CHUNK=10):
        assert print_run_chunk_size(1000) == 10


@pytest.mark.django_db
def test_each_chunk_is_its_own_task_and_progress_moves_per_chunk(queued):
    run = _claimed_run(3)
    parts = list(PrintRunPart.objects.filter(print_run=run).order_by("index"))
    assert queued == [p.pk for p in parts]
    assert [(p.first_number, p.last_number) for p in parts] == [
        (run.first_number + i, run.first_number + i) for i in range(3)
    ]
    progress = []
    for part_id in queued:
        assert print_run_chunk_render(part_id=part_id) is True
        run.refresh_from_db()
        progress.append((run.status, run.progress))
    assert progress == [
        (PrintRun.Status.RUNNING, 33),
        (PrintRun.Status.RUNNING, 66),
        (PrintRun.Status.DONE, 100),
    ]


@pytest.mark.django_db
def test_a_chunk_delivered_twice_writes_nothing_more_and_the_merge_runs_once(queued):
    run = _claimed_run(2)
    first, last = queued
    assert print_run_chunk_render(part_id=first) is True
    part = PrintRunPart.objects.get(pk=first)
    hashes = list(Cheque.objects.order_by("pk").values_list("code_hash", flat=True))
    assert print_run_chunk_render(part_id=first) is False  # second delivery
    assert PrintRunPart.objects.get(pk=first).file.name == part.file.name
    assert list(Cheque.objects.order_by("pk").values_list("code_hash", flat=True)) == hashes
    assert print_run_chunk_render(part_id=last) is True
    run.refresh_from_db()
    assert run.status == PrintRun.Status.DONE and _rendered_count(run) == 1
    name, sha = run.file.name, run.file_sha256
    # Delivered again after the merge: nothing is rendered, merged or journaled again.
    assert print_run_chunk_render(part_id=last) is False
    assert print_run_chunk_render(part_id=first) is False
    run.refresh_from_db()
    assert (run.file.name, run.file_sha256, _rendered_count(run)) == (name, sha, 1)
    # The parts held codes in clear: once merged they are gone, rows and files.
    assert not PrintRunPart.objects.exists()
    assert not default_storage.exists(part.file.name)
    # Every code of the file matches its cheque's stored hash.
    codes = re.findall(r"Code\s*:\s*([" + CODE_ALPHABET + r"]{8})", "\n".join(_pages(run)))
    cheques = list(Cheque.objects.filter(chequebook__print_run=run).order_by("number"))
    assert len(codes) == len(cheques) == 20
    assert all(cheque_code_matches(cheque=c, code=k) for c, k in zip(cheques, codes, strict=True))


@pytest.mark.django_db
def test_the_file_keeps_the_chequebooks_order_whatever_order_the_chunks_finish(queued):
    run = _claimed_run(5, chunk_size=2)
    assert len(queued) == 3
    for part_id in reversed(queued):
        print_run_chunk_render(part_id=part_id)
    run.refresh_from_db()
    assert run.status == PrintRun.Status.DONE
    pages = _pages(run)
    numbers = list(range(run.first_number, run.last_number + 1))
    assert _covers(pages) == numbers
    # A cover, then its sheet of ten cheques, for each chequebook in turn.
    assert len(pages) == 2 * len(numbers)
    for i, number in enumerate(numbers):
        assert f"Chéquier n° {number}" in pages[2 * i]
        cheque_numbers = [int(n) for n in re.findall(r"Chèque n° (\d+)", pages[2 * i + 1])]
        assert sorted(set(cheque_numbers)) == [number * 100 + p for p in range(1, 11)], i


@pytest.mark.django_db
def test_a_failing_chunk_fails_the_run_and_the_others_write_nothing(queued, monkeypatch):
    run = _claimed_run(3)
    assert print_run_chunk_render(part_id=queued[0]) is True
    done = PrintRunPart.objects.get(pk=queued[0]).file.name

    def boom(*args, **kwargs):
        raise RuntimeError("imprimante en panne")

    monkeypatch.setattr("chequebooks.services.print_runs.render_pdf", boom)
    with pytest.raises(RuntimeError):
        print_run_chunk_render(part_id=queued[1])
    monkeypatch.undo()
    run.refresh_from_db()
    assert run.status == PrintRun.Status.FAILED and "panne" in run.error
    assert not default_storage.exists(done) and not PrintRunPart.objects.exists()
    hashes = list(Cheque.objects.order_by("pk").values_list("code_hash", flat=True))
    assert print_run_chunk_render(part_id=queued[2]) is False
    assert list(Cheque.objects.order_by("pk").values_list("code_hash", flat=True)) == hashes
    run.refresh_from_db()
    assert run.status == PrintRun.Status.FAILED and not run.file


@pytest.mark.django_db
def test_a_relaunch_discards_the_chunks_of_the_earlier_attempt(queued):
    from chequebooks.services import print_run_relaunch

    run = _claimed_run(2)
    old = list(queued)
    assert print_run_chunk_render(part_id=old[0]) is True
    old_file = PrintRunPart.objects.get(pk=old[0]).file.name
    PrintRun.objects.filter(pk=run.pk).update(status=PrintRun.Status.FAILED)
    queued.clear()
    print_run_relaunch(print_run=run, membership=manager_membership())
    assert print_run_render(print_run=run) is True
    assert not default_storage.exists(old_file)
    assert not PrintRunPart.objects.filter(pk__in=old).exists()
    assert print_run_chunk_render(part_id=old[1]) is False  # the old attempt's last task
    for part_id in queued:
        assert print_run_chunk_render(part_id=part_id) is True
    run.refresh_from_db()
    assert run.status == PrintRun.Status.DONE and run.attempt == 2


@pytest.mark.django_db
def test_in_process_tasks_still_render_the_whole_file(django_capture_on_commit_callbacks):
    """The embedded default (no Redis) runs the tasks in-process: the file is done at once."""
    with django_capture_on_commit_callbacks(execute=True):
        run = print_run_create(
            vintage=VintageFactory(),
            envelope=cd12_envelope(),
            chequebook_count=20,
            membership=manager_membership(),
        )
    run.refresh_from_db()
    assert run.status == PrintRun.Status.DONE and run.progress == 100
    assert _covers(_pages(run)) == list(range(run.first_number, run.last_number + 1))
    assert _rendered_count(run) == 1 and not PrintRunPart.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_chunks_finishing_together_merge_once_on_postgresql(queued):
    # Outside a test transaction the creation's on-commit task claims the run at once (in
    # process): its six chunks of one chequebook are queued.
    run = print_run_create(
        vintage=VintageFactory(),
        envelope=cd12_envelope(),
        chequebook_count=6,
        membership=manager_membership(),
    )
    assert len(queued) == 6
    errors, results = [], []
    barrier = threading.Barrier(3)

    def worker(part_ids):
        try:
            barrier.wait()
            for part_id in part_ids:
                results.append(print_run_chunk_render(part_id=part_id))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    # Three workers, each chunk delivered twice (to two of them).
    shares = [queued[0::3] + queued[1::3], queued[1::3] + queued[2::3], queued[2::3] + queued[0::3]]
    threads = [threading.Thread(target=worker, args=(share,)) for share in shares]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results.count(True) == 6 and results.count(False) == 6
    run.refresh_from_db()
    assert run.status == PrintRun.Status.DONE and run.progress == 100
    assert _rendered_count(run) == 1
    assert _covers(_pages(run)) == list(range(run.first_number, run.last_number + 1))
