"""Issue 14's demo: places with slots, appointments booked, held and missed (one on the
radar), reminders sent, progress recorded, and an impact figure to show; idempotent."""

import pytest
from freezegun import freeze_time

from mediation.models import Activity
from orientation.models import Appointment, AppointmentState, Reminder
from passnum.directory.models import PlaceClosure, PlaceSlot
from passnum.site.demo import demo_load
from reporting.selectors import Filters, impact_figures, radar_missed_appointments


@pytest.mark.django_db
@freeze_time("2026-12-03 09:00")
def test_the_demo_shows_appointments_reminders_and_progress():
    demo_load()
    assert PlaceSlot.objects.exists() and PlaceClosure.objects.exists()
    states = set(Appointment.objects.values_list("state", flat=True))
    assert {AppointmentState.BOOKED, AppointmentState.HELD, AppointmentState.MISSED} <= states
    assert radar_missed_appointments(Filters()).exists()
    assert Reminder.objects.exists()
    assert Activity.objects.exclude(progress_level="").exists()
    assert impact_figures(Filters())["total"]["counted"] > 0
    counts = (Appointment.objects.count(), Reminder.objects.count(), PlaceSlot.objects.count())
    demo_load()
    assert (
        Appointment.objects.count(),
        Reminder.objects.count(),
        PlaceSlot.objects.count(),
    ) == counts
