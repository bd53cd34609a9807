import pytest
from freezegun import freeze_time

from chequebooks import demo
from chequebooks.models import Cheque, Chequebook, ChequeState, PrintRun
from chequebooks.services import cheque_code_matches
from passnum.audit.models import JournalEntry
from passnum.programme.demo import demo_load_foundation
from passnum.programme.vintages import vintage_is_distributable


@pytest.mark.django_db
@freeze_time("2026-06-15 10:00:00")
def test_the_demo_stock_loads_once_and_its_codes_are_knowable():
    ctx = demo_load_foundation()
    demo.load(ctx)
    counts = (PrintRun.objects.count(), Chequebook.objects.count(), Cheque.objects.count())
    demo.load(ctx)
    assert (PrintRun.objects.count(), Chequebook.objects.count(), Cheque.objects.count()) == counts

    msd = ctx.orgs["msd_rodez"]
    book = Chequebook.objects.filter(holder=msd, vintage__year=ctx.current_year).first()
    assert book is not None and book.received_at is not None
    cheque = book.cheques.first()
    assert cheque_code_matches(cheque=cheque, code=demo.demo_cheque_code(cheque.number))
    assert not cheque_code_matches(cheque=cheque, code=demo.demo_cheque_code(cheque.number + 1))
    # Some stock awaits receipt; the previous vintage's stock expired.
    assert Chequebook.objects.filter(holder=ctx.orgs["savs"], received_at__isnull=True).exists()
    assert Cheque.objects.filter(
        chequebook__vintage__year=ctx.current_year - 1, state=ChequeState.EXPIRED
    ).exists()


@pytest.mark.django_db
@freeze_time("2026-12-20 10:00:00")
def test_the_demo_tried_during_the_freeze_fortnight_can_still_hand_out():
    """From 15 December the current vintage is frozen; the demo's manager lifts the freeze
    (journaled), so that the whole demo works on any day of the year."""
    ctx = demo_load_foundation()
    demo.load(ctx)
    current = ctx.programme.vintages.get(year=2026)
    assert vintage_is_distributable(current)
    assert JournalEntry.objects.filter(action="chequebooks.vintage.freeze_lifted").count() == 1
    demo.load(ctx)  # idempotent: nothing more to lift
    assert JournalEntry.objects.filter(action="chequebooks.vintage.freeze_lifted").count() == 1
