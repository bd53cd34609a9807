"""Demo cheque stock: print runs of the current vintage, allocations to the demo front desks,
receipts, some old stock, and an ended vintage whose cheques expired. Idempotent, fast.

Demo codes. A real print run draws codes with ``secrets`` and never stores them. The demo
cannot: people trying the demo (and browser tests) must be able to type a valid code. So the
demo chequebooks' codes are derived from the cheque number by ``demo_cheque_code(number)``
(a keyed hash with a key written here, public). This is used ONLY by this demo module; the
demo print runs have no file. Never load the demo in production (it refuses to).
"""

import datetime
import hashlib
import hmac

from django.db import transaction
from django.utils import timezone

from passnum.core.services import counter_next
from passnum.organisations.models import Role
from passnum.programme.models import Envelope
from passnum.programme.services import vintage_defaults
from passnum.programme.vintages import vintage_is_frozen
from passnum.territory.models import Side

from .models import Cheque, Chequebook, ChequebookState, ChequeState, PrintRun, StockMovement
from .services import (
    CODE_ALPHABET,
    CODE_LENGTH,
    cheque_code_hash,
    cheque_number_for,
    chequebooks_allocate,
    vintage_expire,
    vintage_freeze_lift,
)

DEMO_CODE_KEY = b"passnum-demo-only-not-secret"

#: Current vintage: (envelope key, chequebooks printed); allocations: desk key → count.
CD12_PRINTED = 40
CD12_ALLOCATIONS = {"msd_rodez": 12, "caf": 8, "mission_locale": 6, "savs": 6}
EPCI_PRINTED = 8
EPCI_ALLOCATION = 6
EPCI_DESKS = ["ccas_rodez", "fs_millau", "fs_decazeville", "ccas_villefranche"]
#: Desks whose receipt is still awaited (the others confirmed).
UNCONFIRMED = {"savs", "ccas_villefranche"}
#: Desks whose stock has been sleeping in a drawer for 90 days.
OLD_STOCK = {"caf"}


def demo_cheque_code(number: int) -> str:
    """The security code of a DEMO cheque, derived from its number (demo only, see above)."""
    digest = hmac.new(DEMO_CODE_KEY, str(number).encode(), hashlib.sha256).digest()
    return "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:CODE_LENGTH])


def load(ctx) -> None:
    manager_user = ctx.users["gestionnaire@demo.passnum.fr"]
    manager = manager_user.memberships.get(
        organisation=ctx.orgs["cd12"], role=Role.PROGRAMME_MANAGER
    )
    current = vintage_defaults(programme=ctx.programme, year=ctx.current_year)
    if vintage_is_frozen(current, today=ctx.today) and not current.handover_frozen:
        # Tried between 15 and 31 December, the demo would hand nothing out (the D-15 freeze):
        # its manager lifts the freeze, as a real one may, so every step can be tried any day.
        vintage_freeze_lift(vintage=current, membership=manager)
    if PrintRun.objects.filter(vintage=current, created_by=manager_user).exists():
        return  # already loaded
    cd12 = Envelope.objects.get(programme=ctx.programme, side=Side.CD12)
    run = _demo_print_run(vintage=current, envelope=cd12, count=CD12_PRINTED, user=manager_user)
    for key, count in CD12_ALLOCATIONS.items():
        _allocate(ctx, key, run, count, manager)
    for key in EPCI_DESKS:
        desk = ctx.orgs.get(key)
        envelope = Envelope.objects.filter(
            programme=ctx.programme, side=Side.EPCI, epci_id=getattr(desk, "epci_id", None)
        ).first()
        if desk is None or envelope is None:
            continue  # that desk's EPCI is not a partner of the programme
        epci_run = _demo_print_run(
            vintage=current, envelope=envelope, count=EPCI_PRINTED, user=manager_user
        )
        _allocate(ctx, key, epci_run, EPCI_ALLOCATION, manager)

    # An ended vintage: stock that stayed at a desk and expired.
    previous = vintage_defaults(programme=ctx.programme, year=ctx.current_year - 1)
    old_run = _demo_print_run(vintage=previous, envelope=cd12, count=6, user=manager_user)
    _allocate_back_then(ctx, "msd_rodez", old_run, 4, manager, days_ago=330)
    if ctx.today > previous.valid_until:
        vintage_expire(vintage=previous)


def _demo_print_run(*, vintage, envelope, count, user) -> PrintRun:
    """A print run made like the real one, except its codes come from demo_cheque_code and it
    has no file (rendering it would make the demo slow)."""
    size = vintage.cheques_per_chequebook
    with transaction.atomic():
        first = counter_next(name="chequebook", count=count)
        run = PrintRun.objects.create(
            vintage=vintage,
            envelope=envelope,
            chequebook_count=count,
            cheques_per_chequebook=size,
            first_number=first,
            last_number=first + count - 1,
            status=PrintRun.Status.DONE,
            progress=100,
            error="Démonstration : codes dérivés du numéro, pas de fichier.",
            created_by=user,
            finished_at=timezone.now(),
        )
        Chequebook.objects.bulk_create(
            Chequebook(
                number=n, vintage=vintage, envelope=envelope, cheque_count=size, print_run=run
            )
            for n in range(first, first + count)
        )
        cheques = []
        for book in run.chequebooks.all():
            for position in range(1, size + 1):
                number = cheque_number_for(chequebook_number=book.number, position=position)
                cheques.append(
                    Cheque(
                        chequebook=book,
                        number=number,
                        position=position,
                        code_hash=cheque_code_hash(demo_cheque_code(number)),
                    )
                )
        Cheque.objects.bulk_create(cheques)
    return run


def _allocate_back_then(ctx, key, run, count, manager, *, days_ago):
    """An allocation made ``days_ago``, while its vintage was running. Today the service
    refuses an ended vintage (``vintage_has_ended``), so the demo writes what
    ``chequebooks_allocate`` wrote back then: chequebooks and cheques at the desk, received
    two days later, each move recorded."""
    desk = ctx.orgs.get(key)
    if desk is None:
        return
    when = timezone.now() - datetime.timedelta(days=days_ago)
    ids = list(run.chequebooks.order_by("number").values_list("pk", flat=True)[:count])
    Chequebook.objects.filter(pk__in=ids).update(
        state=ChequebookState.AT_FRONT_DESK,
        holder=desk,
        allocated_at=when,
        received_at=when + datetime.timedelta(days=2),
    )
    Cheque.objects.filter(chequebook_id__in=ids).update(state=ChequeState.AT_FRONT_DESK)
    for kind in (StockMovement.Kind.ALLOCATION, StockMovement.Kind.RECEIPT):
        StockMovement.objects.bulk_create(
            StockMovement(chequebook_id=pk, kind=kind, to_organisation=desk, by=manager.user)
            for pk in ids
        )
    StockMovement.objects.filter(chequebook_id__in=ids).update(at=when)


def _allocate(ctx, key, run, count, manager, days_ago=None):
    desk = ctx.orgs.get(key)
    if desk is None:
        return
    books = chequebooks_allocate(
        envelope=run.envelope,
        vintage=run.vintage,
        front_desk=desk,
        membership=manager,
        count=count,
    )
    ids = [b.pk for b in books]
    now = timezone.now()
    if days_ago is None and key in OLD_STOCK:
        days_ago = 90
    when = now - datetime.timedelta(days=days_ago) if days_ago else now
    Chequebook.objects.filter(pk__in=ids).update(allocated_at=when)
    StockMovement.objects.filter(chequebook_id__in=ids).update(at=when)
    if key not in UNCONFIRMED:
        received = when + datetime.timedelta(days=2) if days_ago else now
        Chequebook.objects.filter(pk__in=ids).update(received_at=received)
        StockMovement.objects.bulk_create(
            StockMovement(
                chequebook_id=pk,
                kind=StockMovement.Kind.RECEIPT,
                to_organisation=desk,
                by=manager.user,
            )
            for pk in ids
        )
    return books
