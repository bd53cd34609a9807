"""The Aveyron demo programme, put together: the foundation's part, then each app's, in order.

Every step is idempotent and runs in its own transaction; under production settings nothing
is loaded."""

from django.db import transaction

import chequebooks.demo
import mediation.demo
import mediation.demo_appointments
import orientation.demo
import passnum.programme.state_demo
import reporting.demo
from passnum.programme.demo import DemoContext, demo_load_foundation, demo_refuse_in_production

#: In order: places (mediation's organisations) exist before people are referred to them,
#: people before their activity, and everything before the tallies.
DEMO_STEPS = [
    chequebooks.demo.load,
    mediation.demo.load_organisations,
    orientation.demo.load,
    mediation.demo.load_activity,
    mediation.demo_appointments.load,  # issue 14: slots, appointments, reminders, progress
    passnum.programme.state_demo.load,
    reporting.demo.load,
]


def demo_load(*, stdout=None) -> DemoContext:
    """Load the Aveyron demo programme. Idempotent; refused under production settings."""
    demo_refuse_in_production()
    ctx = demo_load_foundation()
    for step in DEMO_STEPS:
        with transaction.atomic():
            step(ctx)
        if stdout:
            stdout.write(f"  {step.__module__}.{step.__name__} : fait")
    return ctx
