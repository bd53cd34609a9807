from django.db import transaction

from .models import Counter


def counter_next(*, name: str, count: int = 1) -> int:
    """Reserve ``count`` consecutive numbers from the counter ``name``; return the first.

    Rule: numbers have no gaps. The counter row is locked (SELECT ... FOR UPDATE) inside the
    caller's transaction, so concurrent callers wait and numbers are never given twice; a
    rolled-back transaction releases its numbers.
    """
    if count < 1:
        raise ValueError("count must be positive")
    with transaction.atomic():
        Counter.objects.get_or_create(name=name)
        counter = Counter.objects.select_for_update().get(name=name)
        first = counter.value + 1
        counter.value += count
        counter.save(update_fields=["value"])
    return first


def counter_advance(*, name: str, at_least: int) -> int:
    """Move the counter ``name`` up to ``at_least`` if it is below (never down); return its value.

    Used when numbers were taken outside the counter (an operator's import), so that the next
    numbers given do not collide with them. Locked like ``counter_next``."""
    with transaction.atomic():
        Counter.objects.get_or_create(name=name)
        counter = Counter.objects.select_for_update().get(name=name)
        if counter.value < at_least:
            counter.value = at_least
            counter.save(update_fields=["value"])
    return counter.value
