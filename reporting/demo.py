"""Reporting's demo step: build the dashboard's tallies from the demo's activity."""

from .summaries import summaries_refresh


def load(ctx) -> None:
    """Idempotent: the tallies are rebuilt from scratch from what the other apps loaded."""
    summaries_refresh(as_of=ctx.today)
