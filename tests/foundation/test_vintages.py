"""The vintage calendar (passnum.programme.vintages) as the programme's services use it: the
default validity of a new vintage and when lifting a freeze is final."""

import datetime

from passnum.programme.models import Vintage
from passnum.programme.services import vintage_defaults
from passnum.programme.vintages import (
    expiring_within_q,
    ongoing_q,
    vintage_default_validity,
    vintage_freeze_lift_is_final,
    vintage_has_ended,
    vintage_in_alert_window,
    vintage_is_valid_on,
)
from tests.factories import ProgrammeFactory


def test_a_vintage_is_valid_from_1_january_to_31_january_next_year():
    assert vintage_default_validity(2026) == (datetime.date(2026, 1, 1), datetime.date(2027, 1, 31))


def test_a_new_vintage_takes_the_default_validity(db):
    vintage = vintage_defaults(programme=ProgrammeFactory(), year=2031)
    assert (vintage.valid_from, vintage.valid_until) == vintage_default_validity(2031)


def _vintage_2026():
    valid_from, valid_until = vintage_default_validity(2026)
    return Vintage(year=2026, valid_from=valid_from, valid_until=valid_until)


def test_validity_bounds_are_both_included():
    vintage = _vintage_2026()
    assert vintage_is_valid_on(vintage, datetime.date(2026, 1, 1))
    assert vintage_is_valid_on(vintage, datetime.date(2027, 1, 31))
    assert not vintage_is_valid_on(vintage, datetime.date(2025, 12, 31))
    assert not vintage_has_ended(vintage, today=datetime.date(2027, 1, 31))
    assert vintage_has_ended(vintage, today=datetime.date(2027, 2, 1))


def test_the_alert_window_opens_on_30_november():
    vintage = _vintage_2026()
    assert not vintage_in_alert_window(vintage, today=datetime.date(2026, 11, 29))
    assert vintage_in_alert_window(vintage, today=datetime.date(2026, 11, 30))
    assert not vintage_in_alert_window(vintage, today=datetime.date(2027, 2, 1))


def test_lifting_a_freeze_is_final_from_15_december():
    vintage = Vintage(year=2026)
    assert not vintage_freeze_lift_is_final(vintage=vintage, today=datetime.date(2026, 12, 14))
    assert vintage_freeze_lift_is_final(vintage=vintage, today=datetime.date(2026, 12, 15))


def test_the_query_forms_agree_with_the_python_forms(db):
    programme = ProgrammeFactory()
    for year in (2025, 2026, 2027):
        vintage_defaults(programme=programme, year=year)
    today = datetime.date(2027, 1, 10)
    ongoing = set(Vintage.objects.filter(ongoing_q("", today=today)).values_list("year", flat=True))
    not_ended = {v.year for v in Vintage.objects.all() if not vintage_has_ended(v, today=today)}
    assert ongoing == not_ended == {2026, 2027}
    expiring = Vintage.objects.filter(expiring_within_q(30, "", today=today))
    assert set(expiring.values_list("year", flat=True)) == {2026}
