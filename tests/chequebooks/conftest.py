import pytest
from django.utils import timezone
from freezegun import freeze_time


@pytest.fixture(autouse=True)
def _outside_the_freeze_fortnight():
    """Most tests hand out chequebooks of this year's vintage (the factories' default). From
    15 to 31 December that vintage's hand-over is frozen — the rule, read from the date — so
    on those days these tests run as on 1 December (the clock still ticking). Tests that set
    their own date with ``freeze_time`` are not affected."""
    today = timezone.localdate()
    if today.month == 12 and today.day >= 15:
        with freeze_time(f"{today.year}-12-01 10:00", tick=True):
            yield
    else:
        yield
