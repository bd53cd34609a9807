"""Cheque stock services: every write on chequebooks and cheques, each stating its rule.

Hand-over rules (``chequebook_hand_over``) are the heart of the app; the other services
cover print runs, operator imports, stock movements, cancellation and the end of a vintage.
"""

import hashlib
import hmac
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from passnum.audit.services import journal_record
from passnum.organisations.models import Membership, Organisation, OrganisationKind, Role
from passnum.organisations.roles import (
    is_front_desk_agent,
    is_programme_manager,
    require_programme_manager,
)
from passnum.programme.vintages import (
    distributable_q,
    vintage_freeze_date,
    vintage_freeze_lift_is_final,
    vintage_has_ended,
    vintage_in_alert_window,
    vintage_is_distributable,
    vintage_is_frozen,
)
from passnum.territory.models import Side

from .models import (
    Cheque,
    Chequebook,
    ChequebookState,
    ChequeState,
    HandoverException,
    StockMovement,
)
from .states import (
    CANCELLABLE_CHEQUE_STATES,
    UNREDEEMED_STATES,
    IllegalTransition,
    cheque_transition_check,
    chequebook_transition_check,
)

# --- Security codes ---------------------------------------------------------------------------

#: Upper-case letters and digits without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V).
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTWXY"
CODE_LENGTH = 8


def cheque_code_generate() -> str:
    """Rule: a security code has ``CODE_LENGTH`` characters drawn with ``secrets`` from an
    alphabet without look-alike characters (23 symbols: about 36 bits for 8 characters)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def cheque_code_hash(code: str) -> str:
    """Rule: a cheque's security code is stored only as a keyed hash (HMAC-SHA256 with
    PASSNUM_CHEQUE_CODE_KEY, a key kept outside the database), so a copy of the database
    does not reveal usable codes. Codes are compared case-insensitively, without spaces."""
    normalised = code.strip().replace(" ", "").replace("-", "").upper()
    return hmac.new(
        settings.PASSNUM_CHEQUE_CODE_KEY.encode(), normalised.encode(), hashlib.sha256
    ).hexdigest()


def cheque_code_matches(*, cheque, code: str) -> bool:
    return bool(cheque.code_hash) and hmac.compare_digest(cheque.code_hash, cheque_code_hash(code))


# --- QR code content --------------------------------------------------------------------------

#: The QR code of a cheque carries ``PASSNUM:<cheque number>:<security code>``. A scanner
#: acting as a keyboard types exactly this text into the redemption form's field.
QR_PREFIX = "PASSNUM"
_QR_PATTERN = re.compile(
    r"^\s*PASSNUM\s*[:;]\s*(\d{1,18})\s*[:;]\s*([A-Za-z0-9 -]{4,32})\s*$", re.IGNORECASE
)


def cheque_qr_text(*, number: int, code: str) -> str:
    return f"{QR_PREFIX}:{number}:{code}"


def cheque_qr_parse(text: str) -> tuple[int, str]:
    """Read what a scanner typed: ``PASSNUM:<number>:<code>`` → ``(number, code)``.

    Scanners configured for an AZERTY keyboard sometimes type ``;`` for ``:``; both are
    accepted, case-insensitively. Anything else raises ValidationError."""
    match = _QR_PATTERN.match(text or "")
    if not match:
        raise ValidationError("Ce QR code n'est pas celui d'un chèque Pass numérique.")
    return int(match.group(1)), match.group(2).replace(" ", "").replace("-", "").upper()


def cheque_qr_svg(*, number: int, code: str) -> str:
    """The QR code of a cheque as inline SVG markup (no XML declaration), for the print file.
    Inline, so WeasyPrint draws it as vectors without fetching any URL."""
    import segno

    qr = segno.make(cheque_qr_text(number=number, code=code), error="m", micro=False)
    return qr.svg_inline(scale=4, border=1, omitsize=True)


# --- Helpers ----------------------------------------------------------------------------------


def envelope_serves(*, envelope, organisation) -> bool:
    """Rule: a front desk is served by its side's envelope: the CD12 envelope for a CD12-side
    desk, its own EPCI's envelope for an EPCI-side desk."""
    if organisation.kind != OrganisationKind.FRONT_DESK:
        return False
    if organisation.side == Side.CD12:
        return envelope.side == Side.CD12
    return envelope.side == Side.EPCI and envelope.epci_id == organisation.epci_id


def _envelope_filter_for(organisation) -> Q:
    if organisation.side == Side.CD12:
        return Q(envelope__side=Side.CD12)
    return Q(envelope__side=Side.EPCI, envelope__epci_id=organisation.epci_id)


def _transition(kind, from_state, to_state):
    try:
        if kind == "cheque":
            cheque_transition_check(from_state, to_state)
        else:
            chequebook_transition_check(from_state, to_state)
    except IllegalTransition as exc:
        raise ValidationError(
            f"Changement d'état impossible : « {_state_label(kind, from_state)} » vers "
            f"« {_state_label(kind, to_state)} »."
        ) from exc


def _state_label(kind, state):
    choices = ChequeState if kind == "cheque" else ChequebookState
    try:
        return choices(state).label
    except ValueError:
        return state


# --- Hand-over --------------------------------------------------------------------------------


def chequebook_handover_candidates(*, membership):
    """The chequebooks this front desk can hand out today: held by its organisation, at the
    front desk (receipt confirmed or not), from the envelope of its side, of a distributable
    vintage (``vintage_is_distributable``: not frozen, today within validity). Oldest vintage
    first, then by number."""
    if not is_front_desk_agent(membership):
        return Chequebook.objects.none()
    organisation = membership.organisation
    today = timezone.localdate()
    return (
        Chequebook.objects.filter(
            _envelope_filter_for(organisation),
            distributable_q(today=today),
            state=ChequebookState.AT_FRONT_DESK,
            holder=organisation,
        )
        .select_related("vintage", "envelope", "envelope__epci")
        .order_by("vintage__year", "number")
    )


def chequebook_hand_over(*, chequebook, beneficiary, membership, replaces=None) -> Chequebook:
    """Hand a chequebook of the front desk's stock to a registered beneficiary.

    Rules:
    - only an evaluator or administrator of a front desk, for a chequebook its organisation
      holds at the front desk. A chequebook whose receipt was not yet confirmed may be handed
      out: handing it over proves it arrived, so receipt is confirmed at the same time;
    - the chequebook's envelope is the front desk's side (CD12 envelope for a CD12 desk, the
      desk's own EPCI envelope for an EPCI desk) and the person's target public is of that side;
    - the vintage is distributable (``vintage_is_distributable``): not frozen (by a manager,
      or from 15 December N at midnight unless the freeze was lifted), today (Europe/Paris)
      within its validity;
    - one chequebook per person and vintage (cancelled ones do not count; the records other
      front desks made of the same person, by identity key, count too), unless a programme
      manager granted an exception not yet used: the chequebook then takes the next rank and
      uses the exception. The database's unique constraint backs this rule;
    - the chequebook row is locked and everything re-checked under the lock, so two desks
      handing out the same chequebook at once: exactly one succeeds;
    - ``replaces``: a cancelled chequebook of the same person and vintage this one replaces;
      the replacement takes its rank, so replacing a chequebook needs no new exception.
    Its cheques move to "handed out" in one UPDATE; the hand-over is journaled."""
    if not is_front_desk_agent(membership):
        raise ValidationError("Seul un agent d'un accueil peut remettre un chéquier.")
    organisation = membership.organisation
    if beneficiary.anonymised_at:
        raise ValidationError("Cette personne a été anonymisée : aucune remise possible.")
    if beneficiary.target_public.side != organisation.side:
        raise ValidationError(
            "Le public cible de cette personne ne relève pas du côté de votre accueil "
            f"({Side(organisation.side).label})."
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = (
                Chequebook.objects.select_for_update()
                .select_related("vintage", "envelope")
                .get(pk=chequebook.pk)
            )
            _hand_over_check(locked, organisation=organisation)
            # Serialise hand-overs to the same person: the count below is read under a lock.
            type(beneficiary).objects.select_for_update().filter(pk=beneficiary.pk).first()
            if replaces is not None:
                replaces = Chequebook.objects.select_for_update().get(pk=replaces.pk)
                if (
                    replaces.state != ChequebookState.CANCELLED
                    or replaces.beneficiary_id != beneficiary.pk
                    or replaces.vintage_id != locked.vintage_id
                ):
                    raise ValidationError(
                        "Le chéquier remplacé doit être un chéquier opposé de cette personne, "
                        "du même millésime."
                    )
                if Chequebook.objects.filter(replaces=replaces).exists():
                    raise ValidationError("Ce chéquier opposé a déjà été remplacé.")
            # The same person may have been registered by two front desks (same identity key):
            # their records count together.
            same_person = Q(beneficiary=beneficiary)
            if beneficiary.identity_key:
                same_person |= Q(
                    beneficiary__identity_key=beneficiary.identity_key,
                    beneficiary__anonymised_at__isnull=True,
                )
            active = Chequebook.objects.filter(same_person, vintage=locked.vintage).exclude(
                state=ChequebookState.CANCELLED
            )
            taken = set(active.values_list("holding_rank", flat=True))
            exception = None
            rank = 0
            if replaces is not None and replaces.holding_rank not in taken:
                # A replacement takes the rank of the chequebook it replaces: no new exception.
                rank = replaces.holding_rank
            elif taken:
                exception = (
                    HandoverException.objects.select_for_update()
                    .filter(beneficiary=beneficiary, vintage=locked.vintage, used_by__isnull=True)
                    .order_by("granted_at", "pk")
                    .first()
                )
                if exception is None:
                    elsewhere = not active.filter(beneficiary=beneficiary).exists()
                    raise ValidationError(
                        f"Cette personne a déjà un chéquier du millésime {locked.vintage.year}"
                        + (", remis par un autre accueil" if elsewhere else "")
                        + ". Un gestionnaire du programme peut accorder une dérogation motivée."
                    )
                rank = max(taken) + 1
            _transition("chequebook", locked.state, ChequebookState.HANDED_OUT)
            received_now = locked.received_at is None
            locked.state = ChequebookState.HANDED_OUT
            locked.beneficiary = beneficiary
            locked.holding_rank = rank
            locked.handed_out_at = now
            locked.handed_out_by = membership.user
            locked.handed_out_by_organisation = organisation
            locked.received_at = locked.received_at or now
            locked.replaces = replaces
            locked.save()
            if received_now:
                StockMovement.objects.create(
                    chequebook=locked,
                    kind=StockMovement.Kind.RECEIPT,
                    to_organisation=organisation,
                    by=membership.user,
                )
            Cheque.objects.filter(chequebook=locked, state=ChequeState.AT_FRONT_DESK).update(
                state=ChequeState.HANDED_OUT
            )
            if exception is not None:
                exception.used_by = locked
                exception.save(update_fields=["used_by"])
            type(beneficiary).objects.filter(pk=beneficiary.pk).update(last_activity_at=now)
            journal_record(
                action="chequebooks.chequebook.handed_over",
                actor=membership.user,
                organisation=organisation,
                target=locked,
                details={
                    "beneficiary_id": beneficiary.pk,
                    "rank": rank,
                    "exception_id": exception.pk if exception else None,
                    "replaces": replaces.number if replaces else None,
                },
            )
    except IntegrityError as exc:
        # The unique constraint (one chequebook per person, vintage and rank) refused it.
        raise ValidationError(
            "Cette personne a déjà un chéquier de ce millésime (remise simultanée refusée)."
        ) from exc
    beneficiary.last_activity_at = now
    return locked


def _hand_over_check(chequebook, *, organisation) -> None:
    if chequebook.state == ChequebookState.HANDED_OUT:
        raise ValidationError(f"Le chéquier {chequebook.number} a déjà été remis.")
    if chequebook.state == ChequebookState.CANCELLED:
        raise ValidationError(f"Le chéquier {chequebook.number} est opposé.")
    if chequebook.state != ChequebookState.AT_FRONT_DESK or chequebook.holder_id != organisation.pk:
        raise ValidationError(
            f"Le chéquier {chequebook.number} n'est pas dans le stock de votre accueil."
        )
    if not envelope_serves(envelope=chequebook.envelope, organisation=organisation):
        raise ValidationError(
            f"Le chéquier {chequebook.number} relève de l'{chequebook.envelope}, qui n'est pas "
            "celle de votre accueil."
        )
    vintage = chequebook.vintage
    today = timezone.localdate()
    if vintage_is_distributable(vintage, today=today):
        return
    # Not distributable: say why (ended, not yet valid, or frozen).
    if vintage_has_ended(vintage, today=today):
        raise ValidationError(f"Le millésime {vintage.year} est expiré.")
    if today < vintage.valid_from:
        raise ValidationError(f"Le millésime {vintage.year} n'est pas encore valable.")
    raise ValidationError(f"Les remises du millésime {vintage.year} sont gelées.")


# --- Print runs -------------------------------------------------------------------------------

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
    from passnum.core.services import counter_advance, counter_next

    from .models import PrintRun

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
        journal_record(
            action="chequebooks.print_run.created",
            actor=membership.user,
            organisation=membership.organisation,
            target=run,
            details={"count": chequebook_count, "first": first, "last": last},
        )
        from .tasks import print_run_render_task

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
    import io

    from django.core.files.base import ContentFile
    from django.db.models import F
    from pypdf import PdfWriter

    from passnum.pdf import render_pdf, sha256

    from .models import PrintRun

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
        journal_record(action="chequebooks.print_run.rendered", target=run)
        return True
    except Exception as exc:
        mine.update(status=PrintRun.Status.FAILED, error=str(exc)[:1000])
        journal_record(
            action="chequebooks.print_run.failed", target=run, details={"error": str(exc)[:200]}
        )
        raise


def _print_run_relaunchable() -> Q:
    """``print_run_relaunch``'s rule as a filter: failed, pending, or running with no sign of
    life for ``PRINT_RUN_STALE_MINUTES``."""
    import datetime

    from .models import PrintRun

    stale = timezone.now() - datetime.timedelta(minutes=PRINT_RUN_STALE_MINUTES)
    return Q(status__in=[PrintRun.Status.FAILED, PrintRun.Status.PENDING]) | (
        Q(status=PrintRun.Status.RUNNING)
        & (Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale))
    )


def print_run_is_stalled(print_run) -> bool:
    """Rule: a run "running" whose rendering gave no sign of life (``heartbeat_at``) for
    ``PRINT_RUN_STALE_MINUTES`` lost its worker (killed while rendering)."""
    import datetime

    from .models import PrintRun

    if print_run.status != PrintRun.Status.RUNNING:
        return False
    stale = timezone.now() - datetime.timedelta(minutes=PRINT_RUN_STALE_MINUTES)
    return print_run.heartbeat_at is None or print_run.heartbeat_at < stale


def print_run_can_relaunch(print_run) -> bool:
    """``print_run_relaunch``'s rule for one run in memory (the page's button)."""
    from .models import PrintRun

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
    from .models import PrintRun

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
        journal_record(
            action="chequebooks.print_run.relaunched",
            actor=membership.user,
            organisation=membership.organisation,
            target=print_run,
        )
        from .tasks import print_run_render_task

        transaction.on_commit(lambda: print_run_render_task.delay(print_run.pk))
    print_run.refresh_from_db()
    return print_run


def print_run_download_record(*, print_run, membership) -> None:
    """Rule: only programme managers download a print file, and each download is journaled."""
    require_programme_manager(
        membership, "Seul un gestionnaire du programme peut télécharger un fichier d'impression."
    )
    journal_record(
        action="chequebooks.print_run.downloaded",
        actor=membership.user,
        organisation=membership.organisation,
        target=print_run,
    )


# --- Operator import --------------------------------------------------------------------------

IMPORT_COLUMNS = [
    "numero_chequier",
    "numero_cheque",
    "code_securite",
    "millesime",
    "valeur_faciale",
]
_CODE_RE = re.compile(r"^[A-Za-z0-9-]{4,32}$")


class ImportRejected(ValidationError):
    """The whole file is refused; ``messages`` name each bad line and its reason."""


def _parse_euros(text: str) -> int | None:
    text = text.strip().replace("€", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", text):
        return None
    euros, _, cents = text.partition(".")
    return int(euros) * 100 + int((cents + "00")[:2])


def import_batch_create(*, rows_text: str, file_name: str, envelope, membership):
    """Import stock delivered by an external operator from a CSV (see README for columns).

    Rules: all or nothing; every bad line is named with its reason: malformed, duplicate
    number in the file, already known, unknown vintage, wrong face value (not the vintage's),
    a chequebook of mixed vintages or of a size other than 5 or 10. The size is checked only
    for chequebooks whose lines were all accepted (a chequebook with a rejected line is
    already named by that line, and its count would blame good lines). Codes, when given, are
    stored as keyed hashes only. The import takes the ``chequebook`` counter's lock, so a
    print run never starts at the same instant; a number taken meanwhile refuses the whole
    file. Written with bulk inserts: 90 000 cheques in seconds."""
    import csv
    import io

    from passnum.programme.models import Vintage

    require_programme_manager(
        membership, "Seul un gestionnaire du programme peut importer du stock."
    )
    errors: list[tuple[int, str]] = []
    text = rows_text.lstrip("\ufeff")
    sample = text[:2000]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    vintages = {v.year: v for v in Vintage.objects.filter(programme_id=envelope.programme_id)}
    books: dict[int, dict] = {}
    seen_cheques: dict[int, int] = {}
    #: The chequebook each line names (when its number reads), to spare the size check to
    #: chequebooks that have a rejected line.
    line_books: dict[int, int] = {}
    line_no = 0
    for line_no, row in enumerate(reader, start=1):
        if not row or all(not c.strip() for c in row):
            continue
        if line_no == 1 and row[0].strip().lower().startswith("numero"):
            continue  # header
        if len(row) != 5:
            errors.append((line_no, f"ligne mal formée ({len(row)} colonnes au lieu de 5)"))
            continue
        book_txt, cheque_txt, code, year_txt, value_txt = (c.strip() for c in row)
        if book_txt.isdigit():
            line_books[line_no] = int(book_txt)
        if not (book_txt.isdigit() and cheque_txt.isdigit() and year_txt.isdigit()):
            errors.append((line_no, "ligne mal formée (numéro ou millésime non numérique)"))
            continue
        if code and not _CODE_RE.match(code):
            errors.append((line_no, "ligne mal formée (code de sécurité invalide)"))
            continue
        value = _parse_euros(value_txt)
        if value is None:
            errors.append((line_no, f"ligne mal formée (valeur faciale « {value_txt} »)"))
            continue
        book_no, cheque_no, year = int(book_txt), int(cheque_txt), int(year_txt)
        vintage = vintages.get(year)
        if vintage is None:
            errors.append((line_no, f"millésime inconnu ({year})"))
            continue
        if value != vintage.face_value_cents:
            errors.append(
                (
                    line_no,
                    f"mauvaise valeur faciale ({value_txt} au lieu de "
                    f"{vintage.face_value_cents / 100:.2f} €)".replace(".", ","),
                )
            )
            continue
        if cheque_no in seen_cheques:
            errors.append(
                (
                    line_no,
                    f"numéro de chèque {cheque_no} en double (déjà ligne "
                    f"{seen_cheques[cheque_no]})",
                )
            )
            continue
        seen_cheques[cheque_no] = line_no
        book = books.setdefault(book_no, {"vintage": vintage, "cheques": [], "line": line_no})
        if book["vintage"] != vintage:
            errors.append(
                (
                    line_no,
                    f"chéquier {book_no} de millésimes mélangés (ligne {book['line']} : "
                    f"{book['vintage'].year})",
                )
            )
            continue
        book["cheques"].append((cheque_no, code, line_no))
    rejected_books = {line_books[n] for n, _reason in errors if n in line_books}
    for book_no, book in books.items():
        if book_no in rejected_books:
            continue
        if len(book["cheques"]) not in (5, 10):
            errors.append(
                (
                    book["line"],
                    f"chéquier {book_no} de {len(book['cheques'])} chèques (5 ou 10 attendus)",
                )
            )
    # Already known numbers, looked up in slices (SQLite limits query parameters).
    known_books = _existing_numbers(Chequebook, list(books))
    for book_no in sorted(known_books):
        errors.append((books[book_no]["line"], f"chéquier {book_no} déjà connu"))
    for cheque_no in sorted(_existing_numbers(Cheque, list(seen_cheques))):
        errors.append((seen_cheques[cheque_no], f"chèque {cheque_no} déjà connu"))
    if not books and not errors:
        errors.append((max(line_no, 1), "fichier vide"))
    if errors:
        errors.sort()
        raise ImportRejected([f"Ligne {n} : {reason}." for n, reason in errors])
    try:
        return _import_batch_write(
            books=books,
            cheque_count=len(seen_cheques),
            file_name=file_name,
            envelope=envelope,
            membership=membership,
        )
    except IntegrityError as exc:
        raise ImportRejected(
            [
                "Rien n'a été importé : des numéros de ce fichier viennent d'être pris (par une "
                "impression ou un autre import). Réessayez pour voir lesquels."
            ]
        ) from exc


def _import_batch_write(*, books, cheque_count, file_name, envelope, membership):
    from passnum.core.services import counter_advance

    from .models import ImportBatch

    with transaction.atomic():
        # The print runs' lock: no run computes its first number while this file is written.
        counter_advance(name="chequebook", at_least=0)
        batch = ImportBatch.objects.create(
            file_name=file_name[:255],
            envelope=envelope,
            chequebook_count=len(books),
            cheque_count=cheque_count,
            created_by=membership.user,
        )
        chequebooks = Chequebook.objects.bulk_create(
            [
                Chequebook(
                    number=n,
                    vintage=b["vintage"],
                    envelope=envelope,
                    cheque_count=len(b["cheques"]),
                    import_batch=batch,
                )
                for n, b in books.items()
            ],
            batch_size=2000,
        )
        if not all(c.pk for c in chequebooks):
            chequebooks = list(batch.chequebooks.all())
        ids = {c.number: c.pk for c in chequebooks}
        Cheque.objects.bulk_create(
            (
                Cheque(
                    chequebook_id=ids[n],
                    number=cheque_no,
                    position=position,
                    code_hash=cheque_code_hash(code) if code else "",
                )
                for n, b in books.items()
                for position, (cheque_no, code, _line) in enumerate(sorted(b["cheques"]), 1)
            ),
            batch_size=5000,
        )
        journal_record(
            action="chequebooks.import_batch.created",
            actor=membership.user,
            organisation=membership.organisation,
            target=batch,
            details={"chequebooks": len(books), "cheques": cheque_count},
        )
    return batch


def _existing_numbers(model, numbers: list[int]) -> set[int]:
    found: set[int] = set()
    if not numbers:
        return found
    ordered = sorted(numbers)
    for i in range(0, len(ordered), 900):
        part = ordered[i : i + 900]
        found.update(
            model.objects.filter(number__gte=part[0], number__lte=part[-1])
            .filter(number__in=part)
            .values_list("number", flat=True)
        )
    return found


# --- Stock movements --------------------------------------------------------------------------


def _allocatable(qs):
    """Chequebooks ready to leave the programme's stock: in stock, and either imported or
    from a print run whose file exists (the codes are generated while printing)."""
    from .models import PrintRun

    # A subquery, not a join: rows are then locked with FOR UPDATE, which PostgreSQL refuses
    # on the nullable side of an outer join.
    done = PrintRun.objects.filter(status=PrintRun.Status.DONE).values("pk")
    return qs.filter(state=ChequebookState.IN_STOCK).filter(
        Q(print_run_id__isnull=True) | Q(print_run_id__in=done)
    )


def chequebooks_allocate(
    *, envelope, vintage, front_desk, membership, count=None, first_number=None, last_number=None
) -> list[Chequebook]:
    """A programme manager allocates chequebooks of an envelope to a front desk of that side:
    the ``count`` lowest numbers in stock, or every chequebook of a range of numbers.

    Rules: the front desk is served by the envelope (side, and EPCI for an EPCI desk); the
    vintage has not ended (``vintage_has_ended``: its cheques are expired, nothing of it
    moves out any more); only chequebooks in stock and ready (file produced) move; a range
    must be wholly available;
    rows are locked so two allocations never take the same chequebook. Receipt is then awaited
    from the front desk. Each chequebook's move is journaled and recorded as a StockMovement."""
    require_programme_manager(
        membership, "Seul un gestionnaire du programme peut attribuer du stock."
    )
    if not front_desk.is_active or not envelope_serves(envelope=envelope, organisation=front_desk):
        raise ValidationError(
            f"{front_desk} n'est pas un accueil servi par l'{envelope} : attribution impossible."
        )
    if vintage_has_ended(vintage):
        raise ValidationError(
            f"Le millésime {vintage.year} est terminé depuis le {vintage.valid_until:%d/%m/%Y} : "
            "ses chèques sont expirés, ses chéquiers ne s'attribuent plus."
        )
    base = _allocatable(Chequebook.objects.filter(envelope=envelope, vintage=vintage))
    with transaction.atomic():
        if first_number is not None or last_number is not None:
            if first_number is None or last_number is None or last_number < first_number:
                raise ValidationError("Indiquez une plage de numéros valide (du … au …).")
            wanted = last_number - first_number + 1
            books = list(
                base.select_for_update()
                .filter(number__range=(first_number, last_number))
                .order_by("number")
            )
            if len(books) != wanted:
                raise ValidationError(
                    f"Plage {first_number}–{last_number} : {len(books)} chéquier(s) sur "
                    f"{wanted} disponible(s) dans le stock de l'{envelope} ({vintage})."
                )
        else:
            if not count or count < 1:
                raise ValidationError("Indiquez un nombre de chéquiers ou une plage de numéros.")
            books = list(base.select_for_update().order_by("number")[:count])
            if len(books) < count:
                raise ValidationError(
                    f"Stock insuffisant : {len(books)} chéquiers disponibles dans l'{envelope} "
                    f"({vintage}), {count} demandés."
                )
        now = timezone.now()
        ids = [b.pk for b in books]
        Chequebook.objects.filter(pk__in=ids).update(
            state=ChequebookState.AT_FRONT_DESK,
            holder=front_desk,
            allocated_at=now,
            received_at=None,
        )
        Cheque.objects.filter(chequebook_id__in=ids, state=ChequeState.IN_STOCK).update(
            state=ChequeState.AT_FRONT_DESK
        )
        StockMovement.objects.bulk_create(
            StockMovement(
                chequebook_id=pk,
                kind=StockMovement.Kind.ALLOCATION,
                to_organisation=front_desk,
                by=membership.user,
            )
            for pk in ids
        )
        for book in books:
            book.state, book.holder, book.allocated_at = (
                ChequebookState.AT_FRONT_DESK,
                front_desk,
                now,
            )
            journal_record(
                action="chequebooks.chequebook.allocated",
                actor=membership.user,
                organisation=membership.organisation,
                target=book,
                details={"to": front_desk.name, "to_id": front_desk.pk},
            )
    return books


def chequebooks_receipt_confirm(*, chequebooks, membership) -> int:
    """The front desk confirms it received chequebooks allocated to it.

    Rule: only an agent of the holding front desk confirms, and only chequebooks at that desk
    whose receipt is not yet confirmed; returns how many were confirmed. Allowed after the
    vintage has ended: receipt records where the paper is, which the reconciliation needs."""
    if not is_front_desk_agent(membership):
        raise ValidationError("Seul un agent de l'accueil destinataire confirme la réception.")
    organisation = membership.organisation
    ids = [c.pk for c in chequebooks]
    with transaction.atomic():
        books = list(
            Chequebook.objects.select_for_update().filter(
                pk__in=ids,
                holder=organisation,
                state=ChequebookState.AT_FRONT_DESK,
                received_at__isnull=True,
            )
        )
        if len(books) != len(set(ids)):
            raise ValidationError(
                "Certains chéquiers ne sont pas en attente de réception dans votre accueil."
            )
        now = timezone.now()
        Chequebook.objects.filter(pk__in=[b.pk for b in books]).update(received_at=now)
        StockMovement.objects.bulk_create(
            StockMovement(
                chequebook=b,
                kind=StockMovement.Kind.RECEIPT,
                to_organisation=organisation,
                by=membership.user,
            )
            for b in books
        )
        for book in books:
            journal_record(
                action="chequebooks.chequebook.received",
                actor=membership.user,
                organisation=organisation,
                target=book,
            )
    return len(books)


def chequebook_return_to_stock(*, chequebook, membership) -> Chequebook:
    """A chequebook at a front desk goes back to the programme's stock.

    Rule: a programme manager, or an agent of the holding front desk, returns it; its cheques
    at the front desk go back to stock with it (expired ones stay expired). Allowed after the
    vintage has ended: it is how a desk gives its leftovers back."""
    with transaction.atomic():
        book = Chequebook.objects.select_for_update().get(pk=chequebook.pk)
        if not (
            is_programme_manager(membership)
            or (is_front_desk_agent(membership) and book.holder_id == membership.organisation_id)
        ):
            raise ValidationError(
                "Seul un gestionnaire ou l'accueil détenteur peut rendre ce chéquier."
            )
        _transition("chequebook", book.state, ChequebookState.IN_STOCK)
        previous = book.holder
        book.state, book.holder, book.allocated_at, book.received_at = (
            ChequebookState.IN_STOCK,
            None,
            None,
            None,
        )
        book.save(update_fields=["state", "holder", "allocated_at", "received_at"])
        Cheque.objects.filter(chequebook=book, state=ChequeState.AT_FRONT_DESK).update(
            state=ChequeState.IN_STOCK
        )
        StockMovement.objects.create(
            chequebook=book,
            kind=StockMovement.Kind.RETURN,
            from_organisation=previous,
            by=membership.user,
        )
        journal_record(
            action="chequebooks.chequebook.returned",
            actor=membership.user,
            organisation=membership.organisation,
            target=book,
            details={
                "from": previous.name if previous else "",
                "from_id": previous.pk if previous else None,
            },
        )
    return book


def chequebook_transfer(*, chequebook, to_front_desk, membership) -> Chequebook:
    """A programme manager moves a chequebook from one front desk to another of the same side.

    Rules: the receiving desk is served by the chequebook's envelope; the vintage has not
    ended (``vintage_has_ended``: an ended vintage's chequebook can only go back to stock);
    the receiving desk must confirm receipt."""
    require_programme_manager(
        membership, "Seul un gestionnaire du programme peut transférer un chéquier."
    )
    with transaction.atomic():
        book = (
            Chequebook.objects.select_for_update()
            .select_related("envelope", "vintage")
            .get(pk=chequebook.pk)
        )
        _transition("chequebook", book.state, ChequebookState.AT_FRONT_DESK)
        if book.state != ChequebookState.AT_FRONT_DESK:
            raise ValidationError("Seul un chéquier déjà dans un accueil se transfère.")
        if vintage_has_ended(book.vintage):
            raise ValidationError(
                f"Le millésime {book.vintage.year} est terminé : ce chéquier ne se transfère "
                "plus, il peut seulement revenir au stock."
            )
        if to_front_desk.pk == book.holder_id:
            raise ValidationError("Le chéquier est déjà dans cet accueil.")
        if not to_front_desk.is_active or not envelope_serves(
            envelope=book.envelope, organisation=to_front_desk
        ):
            raise ValidationError(f"{to_front_desk} n'est pas servi par l'{book.envelope}.")
        previous = book.holder
        book.holder, book.allocated_at, book.received_at = to_front_desk, timezone.now(), None
        book.save(update_fields=["holder", "allocated_at", "received_at"])
        StockMovement.objects.create(
            chequebook=book,
            kind=StockMovement.Kind.TRANSFER,
            from_organisation=previous,
            to_organisation=to_front_desk,
            by=membership.user,
        )
        journal_record(
            action="chequebooks.chequebook.transferred",
            actor=membership.user,
            organisation=membership.organisation,
            target=book,
            details={"from": previous.name, "to": to_front_desk.name, "to_id": to_front_desk.pk},
        )
    return book


# --- Cancellation (opposition) ----------------------------------------------------------------


def _may_cancel(book, membership) -> bool:
    if is_programme_manager(membership):
        return True
    if not is_front_desk_agent(membership):
        return False
    org_id = membership.organisation_id
    if book.state == ChequebookState.HANDED_OUT:
        return book.handed_out_by_organisation_id == org_id
    return book.holder_id == org_id


def chequebook_cancel(*, chequebook, reason: str, membership) -> Chequebook:
    """Opposition on a lost or stolen chequebook.

    Rules: a reason is required; the front desk that holds it (or handed it out) or a
    programme manager cancels it; its cheques not yet redeemed become cancelled and can never
    be redeemed; redeemed cheques stay as they are. A replacement can then be handed over
    (``chequebook_hand_over(..., replaces=...)``)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Indiquez le motif de l'opposition (perte, vol…).")
    with transaction.atomic():
        book = Chequebook.objects.select_for_update().get(pk=chequebook.pk)
        if not _may_cancel(book, membership):
            raise ValidationError(
                "Seul l'accueil du chéquier ou un gestionnaire peut y faire opposition."
            )
        _transition("chequebook", book.state, ChequebookState.CANCELLED)
        now = timezone.now()
        book.state, book.cancelled_at, book.cancellation_reason = (
            ChequebookState.CANCELLED,
            now,
            reason[:255],
        )
        book.save(update_fields=["state", "cancelled_at", "cancellation_reason"])
        count = Cheque.objects.filter(chequebook=book, state__in=CANCELLABLE_CHEQUE_STATES).update(
            state=ChequeState.CANCELLED, cancelled_at=now, cancellation_reason=reason[:255]
        )
        journal_record(
            action="chequebooks.chequebook.cancelled",
            actor=membership.user,
            organisation=membership.organisation,
            target=book,
            details={"reason": reason[:255], "cheques": count},
        )
    return book


def cheque_cancel(*, cheque, reason: str, membership) -> Cheque:
    """Opposition on a single cheque. Same rules as for a chequebook; a redeemed cheque, or
    one on a statement or paid, cannot be cancelled."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Indiquez le motif de l'opposition (perte, vol…).")
    with transaction.atomic():
        locked = Cheque.objects.select_for_update().get(pk=cheque.pk)
        book = Chequebook.objects.get(pk=locked.chequebook_id)
        if not _may_cancel(book, membership):
            raise ValidationError(
                "Seul l'accueil du chéquier ou un gestionnaire peut y faire opposition."
            )
        _transition("cheque", locked.state, ChequeState.CANCELLED)
        locked.state, locked.cancelled_at, locked.cancellation_reason = (
            ChequeState.CANCELLED,
            timezone.now(),
            reason[:255],
        )
        locked.save(update_fields=["state", "cancelled_at", "cancellation_reason"])
        journal_record(
            action="chequebooks.cheque.cancelled",
            actor=membership.user,
            organisation=membership.organisation,
            target=locked,
            details={"reason": reason[:255], "chequebook": book.number},
        )
    return locked


# --- Exceptions -------------------------------------------------------------------------------


def handover_exception_grant(*, beneficiary, vintage, reason: str, membership) -> HandoverException:
    """Rule: only a programme manager allows a person one more chequebook of a vintage, with a
    written reason; the exception is used by the next hand-over beyond the first."""
    require_programme_manager(
        membership, "Seul un gestionnaire du programme peut accorder une dérogation."
    )
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError("Écrivez le motif de la dérogation.")
    exception = HandoverException.objects.create(
        beneficiary=beneficiary, vintage=vintage, reason=reason, granted_by=membership.user
    )
    journal_record(
        action="chequebooks.exception.granted",
        actor=membership.user,
        organisation=membership.organisation,
        target=exception,
        details={"reason": reason[:255], "beneficiary_id": beneficiary.pk, "vintage": vintage.year},
    )
    return exception


# --- End of vintage ---------------------------------------------------------------------------


def vintage_end_run(*, today=None) -> dict:
    """The daily end-of-vintage step (idempotent), for every vintage, dates in Europe/Paris:
    - from 30 November N (D-30) until the vintage ends: one alert e-mail to programme managers
      and to front desks still holding its chequebooks (``alert_sent_at`` marks it sent);
    - from 15 December N (D-15): hand-over is frozen, unless a manager lifted the freeze (the
      hand-over rule reads the date itself, ``vintage_is_frozen``; this step records the
      freeze once and tells the front desks still holding its chequebooks to stop handing
      them out, ``vintage_freeze_notify``);
    - after its last valid day (31 January N+1): unredeemed cheques (in stock, at a front desk,
      handed out) become expired."""
    from passnum.programme.models import Vintage

    today = today or timezone.localdate()
    done = {"alerted": [], "frozen": [], "expired": {}}
    for vintage in Vintage.objects.order_by("year"):
        if (
            vintage_in_alert_window(vintage, today=today) and not vintage.alert_sent_at
        ) and vintage_alert_send(vintage=vintage):
            done["alerted"].append(vintage.year)
        if (
            not vintage.handover_frozen
            and vintage_is_frozen(vintage, today=today)
            and not vintage_has_ended(vintage, today=today)
        ):
            updated = Vintage.objects.filter(
                pk=vintage.pk, handover_frozen=False, freeze_lifted=False
            ).update(handover_frozen=True, handover_frozen_at=timezone.now())
            if updated:
                journal_record(action="chequebooks.vintage.frozen", target=vintage)
                vintage_freeze_notify(vintage=vintage)
                done["frozen"].append(vintage.year)
        if vintage_has_ended(vintage, today=today):
            count = vintage_expire(vintage=vintage)
            if count:
                done["expired"][vintage.year] = count
    return done


def vintage_alert_send(*, vintage) -> bool:
    """Send the D-30 alert once: claim it by setting ``alert_sent_at`` (a conditional UPDATE,
    so two runs never both send), then e-mail managers (the vintage's figures: cheques by
    state; chequebooks issued, handed out, not handed out, started) and front desks still
    holding stock."""
    from django.core.mail import send_mass_mail
    from django.template.loader import render_to_string

    from passnum.programme.models import Vintage

    from .selectors import vintage_reconciliation

    with transaction.atomic():
        claimed = Vintage.objects.filter(pk=vintage.pk, alert_sent_at__isnull=True).update(
            alert_sent_at=timezone.now()
        )
        if not claimed:
            return False
        figures = vintage_reconciliation(vintage)
        managers = set(
            # The programme managers (``is_programme_manager``) with an active account.
            Membership.objects.filter(
                role=Role.PROGRAMME_MANAGER,
                organisation__kind=OrganisationKind.OWNER,
                is_active=True,
                user__is_active=True,
            ).values_list("user__email", flat=True)
        )
        messages = []
        subject = (
            f"Pass numérique : fin du millésime {vintage.year} le {vintage.valid_until:%d/%m/%Y}"
        )
        body = render_to_string(
            "chequebooks/email/vintage_alert_managers.txt", {"vintage": vintage, "figures": figures}
        )
        sender = settings.DEFAULT_FROM_EMAIL
        if managers:
            messages.append((subject, body, sender, sorted(managers)))
        for desk, held, recipients in _desks_holding(vintage):
            text = render_to_string(
                "chequebooks/email/vintage_alert_desk.txt",
                {
                    "vintage": vintage,
                    "desk": desk,
                    "held": held,
                    "freeze_date": vintage_freeze_date(vintage),
                },
            )
            messages.append((subject, text, sender, recipients))
        journal_record(
            action="chequebooks.vintage.alert_sent",
            target=vintage,
            details={"recipients": sum(len(m[3]) for m in messages)},
        )
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))
    return True


def _desks_holding(vintage):
    """Front desks holding chequebooks of ``vintage`` at the desk, with how many and the
    addresses to write to (active members with an active account and an address, and the
    desk's own address), by desk name. Three queries, whatever the number of desks."""
    from django.db.models import Count

    held = dict(
        Chequebook.objects.filter(vintage=vintage, state=ChequebookState.AT_FRONT_DESK)
        .exclude(holder=None)
        .values("holder_id")
        .annotate(n=Count("pk"))
        .values_list("holder_id", "n")
    )
    addresses = {pk: set() for pk in held}
    for org_id, email in (
        Membership.objects.filter(organisation_id__in=held, is_active=True, user__is_active=True)
        .exclude(user__email="")
        .values_list("organisation_id", "user__email")
    ):
        addresses[org_id].add(email)
    for desk in Organisation.objects.filter(pk__in=held).order_by("name"):
        recipients = addresses[desk.pk]
        if desk.email:
            recipients.add(desk.email)
        if recipients:
            yield desk, held[desk.pk], sorted(recipients)


def vintage_freeze_notify(*, vintage) -> int:
    """Rule (D-15): when a vintage's hand-over freezes, every front desk still holding its
    chequebooks is told to stop handing them out and how many it holds. Sent once, by the
    step that records the freeze; returns how many e-mails were queued (after commit)."""
    from django.core.mail import send_mass_mail
    from django.template.loader import render_to_string

    subject = f"Pass numérique : remises du millésime {vintage.year} gelées"
    messages = [
        (
            subject,
            render_to_string(
                "chequebooks/email/vintage_frozen_desk.txt",
                {"vintage": vintage, "desk": desk, "held": held},
            ),
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
        for desk, held, recipients in _desks_holding(vintage)
    ]
    if messages:
        journal_record(
            action="chequebooks.vintage.freeze_notified",
            target=vintage,
            details={"recipients": sum(len(m[3]) for m in messages)},
        )
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))
    return len(messages)


def vintage_expire(*, vintage) -> int:
    """Unredeemed cheques of an ended vintage become expired (one UPDATE; idempotent)."""
    from passnum.programme.models import Vintage

    now = timezone.now()
    with transaction.atomic():
        count = Cheque.objects.filter(
            chequebook__vintage=vintage, state__in=UNREDEEMED_STATES
        ).update(state=ChequeState.EXPIRED, expired_at=now)
        if count:
            Vintage.objects.filter(pk=vintage.pk, expired_at__isnull=True).update(expired_at=now)
            journal_record(
                action="chequebooks.vintage.expired", target=vintage, details={"count": count}
            )
    return count


def vintage_freeze_lift(*, vintage, membership):
    """Rule: a programme manager may lift the freeze of a vintage whose hand-over is frozen
    (``vintage_is_frozen``: by hand or since its D-15), until the vintage ends. Lifted on or
    after its D-15, the D-15 freeze then does not come back; lifting a freeze made by hand
    before its D-15 only unfreezes it, and the D-15 freeze still comes on its date. A freeze
    that has not happened cannot be lifted in advance."""
    from passnum.programme.models import Vintage

    require_programme_manager(
        membership, "Seul un gestionnaire du programme peut lever le gel des remises."
    )
    with transaction.atomic():
        current = Vintage.objects.select_for_update().get(pk=vintage.pk)
        if vintage_has_ended(current):
            raise ValidationError(f"Le millésime {current.year} est terminé : plus de remises.")
        if not vintage_is_frozen(current):
            raise ValidationError(
                f"Les remises du millésime {current.year} ne sont pas gelées : rien à lever "
                f"(le gel vient le {vintage_freeze_date(current):%d/%m/%Y})."
            )
        Vintage.objects.filter(pk=vintage.pk).update(
            handover_frozen=False,
            freeze_lifted=vintage_freeze_lift_is_final(vintage=current),
        )
    vintage.refresh_from_db()
    journal_record(
        action="chequebooks.vintage.freeze_lifted",
        actor=membership.user,
        organisation=membership.organisation,
        target=vintage,
    )
    return vintage


# --- Receipt for the person (attestation de remise) ---------------------------------------------


def chequebook_receipt_pdf(*, chequebook, membership) -> bytes:
    """The "attestation de remise" given to the person: chequebook number, validity, how to
    use it, and the chosen mediator when a referral carries this chequebook. Its download is
    journaled (it names the person)."""
    from passnum.pdf import render_pdf

    if chequebook.state != ChequebookState.HANDED_OUT and not chequebook.beneficiary_id:
        raise ValidationError("Ce chéquier n'a pas été remis.")
    referral = (
        chequebook.referrals.select_related("place", "mediator").order_by("-created_at").first()
    )
    pdf = render_pdf(
        "chequebooks/pdf/receipt.html",
        {
            "chequebook": chequebook,
            "vintage": chequebook.vintage,
            "beneficiary": chequebook.beneficiary,
            "desk": chequebook.handed_out_by_organisation,
            "referral": referral,
            "cheques": list(chequebook.cheques.order_by("position")),
        },
        title=f"Attestation de remise – chéquier {chequebook.number}",
        created=chequebook.handed_out_at,
    )
    journal_record(
        action="chequebooks.chequebook.receipt_downloaded",
        actor=membership.user,
        organisation=membership.organisation,
        target=chequebook,
    )
    return pdf
