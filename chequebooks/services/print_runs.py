"""Print runs: chequebooks ordered from the printer, their file rendered in Celery (codes
generated then), relaunched when stalled, downloaded by managers."""

import datetime
import io

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
)
from .codes import cheque_code_generate, cheque_code_hash, cheque_qr_svg

PRINT_RUN_MAX = 10_000
#: Chequebooks rendered per WeasyPrint call; the chunks are merged with pypdf.
PRINT_RUN_CHUNK = 100
#: A run "running" whose rendering gave no sign of life (``heartbeat_at``, moved after each
#: chunk of about 20 s) for this long lost its worker and may be relaunched.
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


def print_run_render(*, print_run, chunk_size: int = PRINT_RUN_CHUNK) -> bool:
    """Produce the print file of a run: for each chunk of chequebooks, generate fresh codes,
    store only their keyed hashes, render the chunk (cover + cheques with QR codes), then
    forget the codes; merge the chunks into one PDF kept in private storage.

    Rules: a run renders only once it is claimed: one conditional UPDATE moves it from
    "pending" to "running" and takes the next ``attempt``, and a run in any other state
    (already running, done, failed) is left alone — so a duplicate delivery of the task, or a
    call on a finished run, never regenerates codes already printed (returns False). A failed
    run, or a running one that lost its worker, renders again only after a manager
    relaunched it (``print_run_relaunch``), with new codes for every cheque. The rendering
    moves ``heartbeat_at`` at its claim and at each chunk, in the same transaction as the
    chunk's hashes and only while it still owns its attempt: a rendering overtaken by a
    relaunch stops there (returns False) and never writes hashes, file or status again.
    Plaintext codes never reach the database; they exist only in memory while a chunk
    renders, and in the file."""
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
    mine = PrintRun.objects.filter(pk=run.pk, status=PrintRun.Status.RUNNING, attempt=attempt)
    try:
        books = list(run.chequebooks.order_by("number"))
        writer = PdfWriter()
        vintage = run.vintage
        for start in range(0, len(books), chunk_size):
            chunk = books[start : start + chunk_size]
            cheques = list(
                Cheque.objects.filter(chequebook__in=chunk).order_by(
                    "chequebook__number", "position"
                )
            )
            sheets = {b.pk: {"chequebook": b, "cheques": []} for b in chunk}
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
                {"run": run, "vintage": vintage, "sheets": list(sheets.values())},
                title=f"Impression n° {run.pk}",
                created=run.created_at,
            )
            del sheets, cheques  # the codes leave memory with the chunk
            writer.append(io.BytesIO(pdf))
            done = min(start + chunk_size, len(books))
            if not mine.update(progress=int(done * 99 / len(books)), heartbeat_at=timezone.now()):
                return False
        out = io.BytesIO()
        writer.add_metadata({"/Title": f"Impression n° {run.pk}", "/Producer": "passnum"})
        writer.write(out)
        data = out.getvalue()
        run.refresh_from_db()
        run.file.save(f"impression-{run.pk}.pdf", ContentFile(data), save=False)
        finished = mine.update(
            file=run.file.name,
            file_sha256=sha256(data),
            status=PrintRun.Status.DONE,
            progress=100,
            heartbeat_at=timezone.now(),
            finished_at=timezone.now(),
        )
        if not finished:  # overtaken by a relaunch while merging: this file's codes are void
            run.file.delete(save=False)
            return False
        run.refresh_from_db()
        journal.PRINT_RUN_RENDERED.record(target=run)
        return True
    except Exception as exc:
        mine.update(status=PrintRun.Status.FAILED, error=str(exc)[:1000])
        journal.PRINT_RUN_FAILED.record(target=run, error=str(exc)[:200])
        raise


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
