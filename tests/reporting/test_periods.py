"""The period's rule (``period_error``) and its whole months (``period_months``), written once and
asked by both forms and by ``report_request``."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from reporting.filters import DashboardFilter
from reporting.forms import ReportForm
from reporting.models import Report
from reporting.selectors import period_error, period_months
from reporting.services import report_request
from tests.factories import manager_membership

MESSAGE = "La fin de la période doit suivre son début."
D = datetime.date


def test_a_period_ends_on_or_after_its_start():
    assert period_error(D(2026, 3, 2), D(2026, 3, 1)) == MESSAGE
    assert period_error(D(2026, 3, 1), D(2026, 3, 1)) is None
    assert period_error(D(2026, 3, 1), D(2026, 4, 1)) is None
    assert period_error(None, D(2026, 3, 1)) is None
    assert period_error(D(2026, 3, 1), None) is None


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (D(2026, 3, 17), D(2026, 3, 17), (D(2026, 3, 1), D(2026, 4, 1))),
        (D(2026, 1, 31), D(2026, 12, 5), (D(2026, 1, 1), D(2027, 1, 1))),
        (None, D(2025, 12, 31), (None, D(2026, 1, 1))),
        (D(2026, 2, 28), None, (D(2026, 2, 1), None)),
        (None, None, (None, None)),
    ],
)
def test_a_period_counts_by_whole_months(start, end, months):
    assert period_months(start, end) == months


def test_both_forms_put_the_rule_next_to_the_period_end(db):
    data = {"period_start": "2026-03-02", "period_end": "2026-03-01"}
    report_form = ReportForm(data)
    assert not report_form.is_valid()
    assert report_form.errors["period_end"] == [MESSAGE]
    dashboard_form = DashboardFilter(data).form
    assert not dashboard_form.is_valid()
    assert dashboard_form.errors["period_end"] == [MESSAGE]


def test_report_request_refuses_a_period_ending_before_it_starts(db):
    with pytest.raises(ValidationError, match=MESSAGE) as refused:
        report_request(
            membership=manager_membership(),
            period_start=D(2026, 3, 2),
            period_end=D(2026, 3, 1),
        )
    assert refused.value.message_dict == {"period_end": [MESSAGE]}
    assert not Report.objects.exists()
