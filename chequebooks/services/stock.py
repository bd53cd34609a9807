"""Stock movements: allocation to a front desk, receipt, return to stock, transfer."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from passnum.core.text import french_count
from passnum.organisations.roles import (
    is_front_desk_agent,
    is_programme_manager,
    require_programme_manager,
)
from passnum.programme.vintages import (
    vintage_has_ended,
)

from ..models import (
    Cheque,
    Chequebook,
    PrintRun,
    StockMovement,
    awaiting_receipt_q,
)
from ..states import (
    CHEQUE_ALLOCATE,
    CHEQUE_RETURN,
    CHEQUEBOOK_ALLOCATE,
    CHEQUEBOOK_RECEIVE,
    CHEQUEBOOK_RETURN,
    CHEQUEBOOK_TRANSFER,
)
from .common import envelope_serves


def _allocatable(qs):
    """Chequebooks ready to leave the programme's stock: in stock, and either imported or
    from a print run whose file exists (the codes are generated while printing)."""
    # A subquery, not a join: rows are then locked with FOR UPDATE, which PostgreSQL refuses
    # on the nullable side of an outer join.
    done = PrintRun.objects.filter(status=PrintRun.Status.DONE).values("pk")
    return qs.filter(state__in=CHEQUEBOOK_ALLOCATE.sources).filter(
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
                    f"Plage {first_number}–{last_number} : seulement "
                    f"{french_count(len(books), 'chéquier disponible', 'chéquiers disponibles')}"
                    f" sur {wanted} dans le stock de l'{envelope} ({vintage})."
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
            state=CHEQUEBOOK_ALLOCATE.target,
            holder=front_desk,
            allocated_at=now,
            received_at=None,
        )
        Cheque.objects.filter(chequebook_id__in=ids, state__in=CHEQUE_ALLOCATE.sources).update(
            state=CHEQUE_ALLOCATE.target
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
                CHEQUEBOOK_ALLOCATE.target,
                front_desk,
                now,
            )
            CHEQUEBOOK_ALLOCATE.event.record(
                actor=membership.user,
                organisation=membership.organisation,
                target=book,
                to=front_desk.name,
                to_id=front_desk.pk,
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
                awaiting_receipt_q(), pk__in=ids, holder=organisation
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
            CHEQUEBOOK_RECEIVE.event.record(
                actor=membership.user, organisation=organisation, target=book
            )
    return len(books)


def chequebook_return_to_stock(*, chequebook, membership) -> Chequebook:
    """A chequebook at a front desk goes back to the programme's stock.

    Rule: a programme manager, or an agent of the holding front desk, returns it; its cheques
    at the front desk go back to stock with it (expired ones stay expired). Allowed after the
    vintage has ended: it is how a desk gives its leftovers back."""
    with transaction.atomic():
        book = Chequebook.objects.select_for_update().get(pk=chequebook.pk)
        if not chequebook_may_be_returned_by(book, membership):
            raise ValidationError(
                "Seul un gestionnaire ou l'accueil détenteur peut rendre ce chéquier."
            )
        CHEQUEBOOK_RETURN.require(book.state)
        previous = book.holder
        book.holder, book.allocated_at, book.received_at = None, None, None
        CHEQUEBOOK_RETURN.apply(
            book,
            actor=membership.user,
            organisation=membership.organisation,
            update_fields=("holder", "allocated_at", "received_at"),
            details={
                "from": previous.name if previous else "",
                "from_id": previous.pk if previous else None,
            },
        )
        Cheque.objects.filter(chequebook=book, state__in=CHEQUE_RETURN.sources).update(
            state=CHEQUE_RETURN.target
        )
        StockMovement.objects.create(
            chequebook=book,
            kind=StockMovement.Kind.RETURN,
            from_organisation=previous,
            by=membership.user,
        )
    return book


def chequebook_may_be_returned_by(chequebook, membership) -> bool:
    """Rule: a programme manager, or an agent of the front desk holding it, may return a
    chequebook to the programme's stock (``chequebook_return_to_stock``; its state is
    ``CHEQUEBOOK_RETURN``'s to check)."""
    return is_programme_manager(membership) or (
        is_front_desk_agent(membership)
        and chequebook.holder_id is not None
        and chequebook.holder_id == membership.organisation_id
    )


def chequebook_transfer_refusal(chequebook, *, today=None) -> str | None:
    """Rule (besides being a programme manager): only a chequebook already at a front desk,
    of a vintage that has not ended (``vintage_has_ended``: an ended vintage's chequebook can
    only go back to stock), is transferred. Returns why not, in French, or None."""
    if not CHEQUEBOOK_TRANSFER.allowed_from(chequebook.state):
        return "Seul un chéquier déjà dans un accueil se transfère."
    if vintage_has_ended(chequebook.vintage, today=today):
        return (
            f"Le millésime {chequebook.vintage.year} est terminé : ce chéquier ne se transfère "
            "plus, il peut seulement revenir au stock."
        )
    return None


def chequebook_may_be_transferred(chequebook, *, today=None) -> bool:
    """``chequebook_transfer_refusal`` finds nothing to refuse."""
    return chequebook_transfer_refusal(chequebook, today=today) is None


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
        refusal = chequebook_transfer_refusal(book)
        if refusal:
            raise ValidationError(refusal)
        if to_front_desk.pk == book.holder_id:
            raise ValidationError("Le chéquier est déjà dans cet accueil.")
        if not to_front_desk.is_active or not envelope_serves(
            envelope=book.envelope, organisation=to_front_desk
        ):
            raise ValidationError(f"{to_front_desk} n'est pas servi par l'{book.envelope}.")
        previous = book.holder
        book.holder, book.allocated_at, book.received_at = to_front_desk, timezone.now(), None
        CHEQUEBOOK_TRANSFER.apply(
            book,
            actor=membership.user,
            organisation=membership.organisation,
            update_fields=("holder", "allocated_at", "received_at"),
            details={"from": previous.name, "to": to_front_desk.name, "to_id": to_front_desk.pk},
        )
        StockMovement.objects.create(
            chequebook=book,
            kind=StockMovement.Kind.TRANSFER,
            from_organisation=previous,
            to_organisation=to_front_desk,
            by=membership.user,
        )
    return book
