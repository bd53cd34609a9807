"""Two refreshes of the tallies at the same time must not count the programme twice."""

import threading

import pytest
from django.db import connection

from reporting.selectors import Filters, dashboard_data
from reporting.summaries import summaries_refresh
from tests.factories import ChequebookFactory, VintageFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_do_not_double_the_figures(reference_data):
    vintage = VintageFactory(programme=reference_data)
    envelope = reference_data.envelopes.get(side="cd12")
    for _ in range(5):
        ChequebookFactory(vintage=vintage, envelope=envelope)
    errors = []
    barrier = threading.Barrier(3)

    def refresh():
        try:
            barrier.wait()
            summaries_refresh()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert dashboard_data(Filters())["funnel"]["bought"] == 5
