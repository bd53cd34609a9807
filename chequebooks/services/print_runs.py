"""Print runs: chequebooks ordered from the printer, their file rendered in Celery (codes
generated then), relaunched when stalled, downloaded by managers."""

import datetime
import io
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from pypdf import PdfWriter

from passnum.core.services import counter_advance, counter_next
from passnum.organisations.roles import (
    require_programme_manager,
)
from passnum.pdf import render_pdf, sha256
from passnum.programme.vintages import (
    vintage_has_ended,
)

from .. import journal
from ..models import (
    Cheque,
    Chequebook,
    PrintRun,
    PrintRunPart,
)
from .codes import cheque_code_generate, cheque_code_hash, cheque_qr_svg

PRINT_RUN_MAX = 10_000
#: Chequebooks rendered per chunk (one Celery task, one WeasyPrint call; about 5 s), unless
#: the setting ``PASSNUM_PRINT_RUN_CHUNK`` says otherwise; the parts are merged with pypdf.
PRINT_RUN_CHUNK = 25
#: A run "running" whose rendering gave no sign of life (``heartbeat_at``, moved when each
#: chunk starts and ends) for this long lost its worker and may be relaunched.
PRINT_RUN_STALE_MINUTES = 15


def cheque_number_for(*, chequebook_number: int, position: int) -> int:
    """A printed cheque's number: its chequebook's number followed by two digits of rank
    (chequebook 1042 holds cheques 104201 to 104210), so both read together on paper."""
    return chequebook_number * 100 + position


def print_run_create(
    *, vintage, envelope, chequebook_count: int, membership, cheques_per_chequebook=None
):
    """A programme manager orders ``chequebook_count`` chequebooks of a vintage for an envelope.

    Rules: numbers come from the locked counter ``chequebook``, consecutive within the run
    and from one run to the next; a run never meets a number already taken (an operator's
    import keeps its own numbers): it starts after the highest chequebook number known and
    after the chequebook whose printed cheques would reach the highest cheque number known
    (``print_run_first_free_number``), so neither its chequebook numbers nor its cheque
    numbers (``cheque_number_for``) can collide. A run refused on the way (a number taken by
    an import at the same instant) writes nothing and gives its numbers back. Cheques are
    numbered after their chequebook; chequebooks exist at once (in stock) but cannot be
    allocated before their file is produced, because their codes are generated while
    rendering. A vintage that has ended cannot be printed. The rendering runs in Celery after
    commit."""
    require_programme_manager(
        membership, "Seul un gestionnaire du programme peut lancer une impression."
    )
    size = cheques_per_chequebook or vintage.cheques_per_chequebook
    if size not in (5, 10):
        raise ValidationError("Un chéquier compte 5 ou 10 chèques.")
    if not 1 <= chequebook_count <= PRINT_RUN_MAX:
        raise ValidationError(f"Une impression compte de 1 à {PRINT_RUN_MAX} chéquiers.")
    if envelope.programme_id != vintage.programme_id:
        raise ValidationError("L'enveloppe et le millésime doivent être du même programme.")
    if vintage_has_ended(vintage):
        raise ValidationError(
            f"Le millésime {vintage.year} est terminé depuis le "
            f"{vintage.valid_until:%d/%m/%Y} : il ne s'imprime plus."
        )
    try:
        return _print_run_create(
            vintage=vintage,
            envelope=envelope,
            chequebook_count=chequebook_count,
            size=size,
            membership=membership,
        )
    except IntegrityError as exc:
        raise ValidationError(
            "Des numéros de chéquier ou de chèque viennent d'être pris par un import : rien "
            "n'a été créé, relancez l'impression."
        ) from exc


def print_run_first_free_number() -> int:
    """The highest number a print run must stay above: the highest chequebook number known,
    and the chequebook number whose printed cheques would reach the highest cheque number
    known (cheque ``c`` belongs, on paper, to chequebook ``c // 100``). Two aggregates."""
    row = Chequebook.objects.aggregate(m=Max("number"))
    cheques = Cheque.objects.aggregate(m=Max("number"))
    return max(row["m"] or 0, (cheques["m"] or 0) // 100)


def _print_run_create(*, vintage, envelope, chequebook_count, size, membership):
    with transaction.atomic():
        # Lock the counter row before reading the highest numbers: two runs (or a run and an
        # import, which takes the same lock) never compute the same start.
        counter_advance(name="chequebook", at_least=0)
        counter_advance(name="chequebook", at_least=print_run_first_free_number())
        first = counter_next(name="chequebook", count=chequebook_count)
        last = first + chequebook_count - 1
        run = PrintRun.objects.create(
            vintage=vintage,
            envelope=envelope,
            chequebook_count=chequebook_count,
            cheques_per_chequebook=size,
            first_number=first,
            last_number=last,
            created_by=membership.user,
        )
        books = Chequebook.objects.bulk_create(
            [
                Chequebook(
                    number=n, vintage=vintage, envelope=envelope, cheque_count=size, print_run=run
                )
                for n in range(first, last + 1)
            ],
            batch_size=1000,
        )
        if not all(b.pk for b in books):  # SQLite < 3.35 does not return ids
            books = list(run.chequebooks.all())
        Cheque.objects.bulk_create(
            (
                Cheque(
                    chequebook=b,
                    number=cheque_number_for(chequebook_number=b.number, position=p),
                    position=p,
                )
                for b in books
                for p in range(1, size + 1)
            ),
            batch_size=5000,
        )
        journal.PRINT_RUN_CREATED.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=run,
            count=chequebook_count,
            first=first,
            last=last,
        )
        from ..tasks import print_run_render_task

        transaction.on_commit(lambda: print_run_render_task.delay(run.pk))
    return run


def print_run_chunk_size(chequebook_count: int) -> int:
    """Rule: a run is rendered in chunks of ``PASSNUM_PRINT_RUN_CHUNK`` chequebooks (25, an
    optional Django setting), each its own Celery task; a small run is cut in about ten
    chunks (never less than one chequebook each), so its progress moves too."""
    largest = getattr(settings, "PASSNUM_PRINT_RUN_CHUNK", PRINT_RUN_CHUNK)
    return max(1, min(largest, math.ceil(chequebook_count / 10)))


def print_run_render(*, print_run, chunk_size: int | None = None) -> bool:
    """Claim a print run and cut its rendering in chunks, each its own Celery task
    (``print_run_chunk_render``); the last chunk done merges the file.

    Rules: a run renders only once it is claimed: one conditional UPDATE moves it from
    "pending" to "running" and takes the next ``attempt``, and a run in any other state
    (already running, done, failed) is left alone — so a duplicate delivery of the task, or a
    call on a finished run, never regenerates codes already printed (returns False). A failed
    run, or a running one that lost its worker, renders again only after a manager
    relaunched it (``print_run_relaunch``), with new codes for every cheque. The claim plans
    the attempt's chunks (ranges of chequebook numbers, ``print_run_chunk_size``) in the same
    transaction, discards what an earlier attempt left (its parts' files hold codes), and
    queues one task per chunk once committed. Returns True once the chunks are queued (when
    tasks run in-process, the file is then done)."""
    run = print_run
    with transaction.atomic():
        claimed = PrintRun.objects.filter(pk=run.pk, status=PrintRun.Status.PENDING).update(
            status=PrintRun.Status.RUNNING,
            progress=0,
            error="",
            heartbeat_at=timezone.now(),
            attempt=F("attempt") + 1,
        )
        if not claimed:
            return False
        attempt = PrintRun.objects.values_list("attempt", flat=True).get(pk=run.pk)
        _print_run_parts_discard(run)
        numbers = list(run.chequebooks.order_by("number").values_list("number", flat=True))
        size = chunk_size or print_run_chunk_size(len(numbers))
        parts = PrintRunPart.objects.bulk_create(
            [
                PrintRunPart(
                    print_run=run,
                    attempt=attempt,
                    index=i,
                    first_number=numbers[start],
                    last_number=numbers[min(start + size, len(numbers)) - 1],
                )
                for i, start in enumerate(range(0, len(numbers), size))
            ]
        )
        if not all(p.pk for p in parts):  # SQLite < 3.35 does not return ids
            parts = list(PrintRunPart.objects.filter(print_run=run, attempt=attempt))
    from ..tasks import print_run_chunk_task

    for part in parts:
        print_run_chunk_task.delay(part.pk)
    return True


def print_run_chunk_render(*, part_id: int) -> bool:
    """Render one chunk of a print run: generate fresh codes for its cheques, store only
    their keyed hashes, render the chunk (cover + cheques with QR codes) into a private part
    file, forget the codes; the last chunk done merges the parts into the run's file.

    Rules: a chunk renders once: one conditional UPDATE claims it (``started_at``), so a
    second delivery of its task writes nothing (returns False). It writes only while its
    attempt still owns the run (running, same ``attempt``): its hashes in the same
    transaction as the run's heartbeat UPDATE, which locks the run row, and its part under
    the run's row lock (``select_for_update``); a chunk overtaken by a relaunch, or by a
    failure of another chunk, stops and deletes its part (returns False). Progress moves per
    chunk (parts done ÷ parts, at most 99 % before the merge). The part that finds, under
    the run's lock, every part of its attempt done is the last one, and it alone merges
    (``_print_run_merge``): the merge runs once. Plaintext codes never reach the database;
    they exist only in memory while a chunk renders, in its part until the merge, and in the
    file."""
    part = (
        PrintRunPart.objects.select_related("print_run__vintage", "print_run__envelope")
        .filter(pk=part_id)
        .first()
    )
    if part is None:  # its attempt was discarded by a relaunch
        return False
    run, attempt = part.print_run, part.attempt
    mine = PrintRun.objects.filter(pk=run.pk, status=PrintRun.Status.RUNNING, attempt=attempt)
    with transaction.atomic():
        # The run's row first, then the part's: every writer locks them in that order.
        if not mine.update(heartbeat_at=timezone.now()):
            return False
        if not PrintRunPart.objects.filter(pk=part.pk, started_at__isnull=True).update(
            started_at=timezone.now()
        ):
            return False
    try:
        books = list(
            run.chequebooks.filter(
                number__gte=part.first_number, number__lte=part.last_number
            ).order_by("number")
        )
        cheques = list(
            Cheque.objects.filter(chequebook__in=books).order_by("chequebook__number", "position")
        )
        sheets = {b.pk: {"chequebook": b, "cheques": []} for b in books}
        for cheque in cheques:
            code = cheque_code_generate()
            cheque.code_hash = cheque_code_hash(code)
            sheets[cheque.chequebook_id]["cheques"].append(
                {
                    "number": cheque.number,
                    "position": cheque.position,
                    "code": code,
                    "qr": cheque_qr_svg(number=cheque.number, code=code),
                }
            )
        with transaction.atomic():
            # The heartbeat's UPDATE locks the run until the hashes are written: a relaunch
            # cannot slip between the ownership check and the write.
            if not mine.update(heartbeat_at=timezone.now()):
                return False
            Cheque.objects.bulk_update(cheques, ["code_hash"], batch_size=2000)
        pdf = render_pdf(
            "chequebooks/pdf/print_run.html",
            {"run": run, "vintage": run.vintage, "sheets": list(sheets.values())},
            title=f"Impression n° {run.pk}",
            created=run.created_at,
        )
        del sheets, cheques  # the codes leave memory with the chunk
        part.file.save(f"partie-{part.index + 1:05d}.pdf", ContentFile(pdf), save=False)
        with transaction.atomic():
            owner = mine.select_for_update().first()
            if owner is not None:
                PrintRunPart.objects.filter(pk=part.pk).update(
                    file=part.file.name, done_at=timezone.now()
                )
                parts = PrintRunPart.objects.filter(print_run=run, attempt=attempt)
                total = parts.count()
                done = parts.filter(done_at__isnull=False).count()
                mine.update(progress=done * 99 // total, heartbeat_at=timezone.now())
        if owner is None:  # overtaken while rendering: this part's codes are void
            part.file.delete(save=False)
            return False
        if done == total:
            return _print_run_merge(run=run, attempt=attempt)
        return True
    except Exception as exc:
        if mine.update(status=PrintRun.Status.FAILED, error=str(exc)[:1000]):
            journal.PRINT_RUN_FAILED.record(target=run, error=str(exc)[:200])
            _print_run_parts_discard(run)
        raise


def _print_run_merge(*, run, attempt) -> bool:
    """Merge an attempt's parts, in the order of their chequebook numbers, into the run's
    file (private storage, its SHA-256 kept), mark the run done and delete the parts. Called
    once, by the chunk that finished last (``print_run_chunk_render``); the file is kept only
    if the attempt still owns the run."""
    parts = list(PrintRunPart.objects.filter(print_run=run, attempt=attempt).order_by("index"))
    writer = PdfWriter()
    for part in parts:
        with part.file.open("rb") as handle:
            writer.append(io.BytesIO(handle.read()))
    out = io.BytesIO()
    writer.add_metadata({"/Title": f"Impression n° {run.pk}", "/Producer": "passnum"})
    writer.write(out)
    data = out.getvalue()
    run.refresh_from_db()
    run.file.save(f"impression-{run.pk}.pdf", ContentFile(data), save=False)
    finished = PrintRun.objects.filter(
        pk=run.pk, status=PrintRun.Status.RUNNING, attempt=attempt
    ).update(
        file=run.file.name,
        file_sha256=sha256(data),
        status=PrintRun.Status.DONE,
        progress=100,
        heartbeat_at=timezone.now(),
        finished_at=timezone.now(),
    )
    _print_run_parts_discard(run)
    if not finished:  # overtaken by a relaunch while merging: this file's codes are void
        run.file.delete(save=False)
        return False
    run.refresh_from_db()
    journal.PRINT_RUN_RENDERED.record(target=run)
    return True


def _print_run_parts_discard(run) -> None:
    """Delete a run's parts, rows and files (they hold codes in clear): once merged, once
    their attempt failed, or when a new attempt is planned."""
    parts = PrintRunPart.objects.filter(print_run=run)
    for part in parts.exclude(file=""):
        part.file.delete(save=False)
    parts.delete()


def _print_run_relaunchable() -> Q:
    """``print_run_relaunch``'s rule as a filter: failed, pending, or running with no sign of
    life for ``PRINT_RUN_STALE_MINUTES``."""
    stale = timezone.now() - datetime.timedelta(minutes=PRINT_RUN_STALE_MINUTES)
    return Q(status__in=[PrintRun.Status.FAILED, PrintRun.Status.PENDING]) | (
        Q(status=PrintRun.Status.RUNNING)
        & (Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale))
    )


def print_run_is_stalled(print_run) -> bool:
    """Rule: a run "running" whose rendering gave no sign of life (``heartbeat_at``) for
    ``PRINT_RUN_STALE_MINUTES`` lost its worker (killed while rendering)."""
    if print_run.status != PrintRun.Status.RUNNING:
        return False
    stale = timezone.now() - datetime.timedelta(minutes=PRINT_RUN_STALE_MINUTES)
    return print_run.heartbeat_at is None or print_run.heartbeat_at < stale


def print_run_can_relaunch(print_run) -> bool:
    """``print_run_relaunch``'s rule for one run in memory (the page's button)."""
    return print_run.status in (
        PrintRun.Status.FAILED,
        PrintRun.Status.PENDING,
    ) or print_run_is_stalled(print_run)


def print_run_relaunch(*, print_run, membership):
    """A programme manager relaunches a print run that failed, that stayed pending (its
    task lost on the way), or that stalled while running (``print_run_is_stalled``: its
    worker killed, no sign of life for ``PRINT_RUN_STALE_MINUTES``).

    Rules: only such a run, moved back to "pending" by one conditional UPDATE (a finished
    run, or one still rendering, is refused: its codes may already be on paper); a stalled
    run's file was never saved, so no code of it is on paper, and a rendering that was only
    slow finds it no longer owns its attempt and stops (``print_run_render``); the task is
    queued again after commit and claims the run as any first run does, so two clicks or two
    deliveries render it once. Journaled."""
    require_programme_manager(
        membership, "Seul un gestionnaire du programme peut relancer une impression."
    )
    with transaction.atomic():
        moved = (
            PrintRun.objects.filter(pk=print_run.pk)
            .filter(_print_run_relaunchable())
            .update(status=PrintRun.Status.PENDING, progress=0, error="")
        )
        if not moved:
            raise ValidationError(
                "Seule une impression en échec, en attente ou bloquée (sans signe de vie depuis "
                f"{PRINT_RUN_STALE_MINUTES} minutes) peut être relancée : celle-ci est en "
                "cours ou terminée."
            )
        journal.PRINT_RUN_RELAUNCHED.record(
            actor=membership.user, organisation=membership.organisation, target=print_run
        )
        from ..tasks import print_run_render_task

        transaction.on_commit(lambda: print_run_render_task.delay(print_run.pk))
    print_run.refresh_from_db()
    return print_run


def print_run_download_record(*, print_run, membership) -> None:
    """Rule: only programme managers download a print file, and each download is journaled."""
    require_programme_manager(
        membership, "Seul un gestionnaire du programme peut télécharger un fichier d'impression."
    )
    journal.PRINT_RUN_DOWNLOADED.record(
        actor=membership.user, organisation=membership.organisation, target=print_run
    )
