"""Reporting's reads, scoped to who asks, one module per concern:

- ``scope``: what the figures are restricted to (``Filters``, the coordinator's EPCI) and the
  tallies' rows in it;
- ``periods``: the period's rule and its whole months;
- ``figures``: the dashboard's key figures (funnel, budget, envelopes, radar), from the tallies;
- ``breakdowns``: by EPCI, public, front desk, mediator, month and level;
- ``dashboard``: the page's and the PDF report's context (funnel steps, charts, rows);
- ``radar``: the radar's live lists;
- ``appointments``: the referrals' funnel with appointments, the radar's missed appointments;
- ``impact``: progress at each session and the impact per 1,000 € paid;
- ``lists``: reports, exports and the structures to filter on;
- ``panels``: the home page's figures of one organisation.

The names below are re-exported so that ``selectors.foo`` keeps working; each is defined once,
in its module."""

from .appointments import radar_missed_appointments, referral_funnel
from .breakdowns import (
    assessment_levels,
    by_epci,
    by_front_desk,
    by_mediator,
    by_month,
    by_public,
    residents_figures,
)
from .dashboard import DASHBOARD_TOP, breakdown_rows, dashboard_context, radar_days
from .figures import dashboard_data
from .impact import impact_context, impact_figures, impact_per_thousand
from .lists import export_jobs_visible_to, organisation_choices, reports_visible_to
from .panels import front_desk_figures, mediator_figures
from .periods import period_error, period_months, period_q
from .radar import (
    chequebooks_in_scope,
    radar_expiring_by_front_desk,
    radar_not_started_by_front_desk,
    radar_referrals_overdue,
    radar_stale_stock,
)
from .scope import NO_EPCI, Filters, last_summary_run, scope_epci_id, tally_filter

__all__ = [
    "impact_context",
    "impact_figures",
    "impact_per_thousand",
    "radar_missed_appointments",
    "referral_funnel",
    "DASHBOARD_TOP",
    "NO_EPCI",
    "Filters",
    "assessment_levels",
    "breakdown_rows",
    "by_epci",
    "by_front_desk",
    "by_mediator",
    "by_month",
    "by_public",
    "chequebooks_in_scope",
    "dashboard_context",
    "dashboard_data",
    "export_jobs_visible_to",
    "front_desk_figures",
    "last_summary_run",
    "mediator_figures",
    "organisation_choices",
    "period_error",
    "period_months",
    "period_q",
    "radar_days",
    "radar_expiring_by_front_desk",
    "radar_not_started_by_front_desk",
    "radar_referrals_overdue",
    "radar_stale_stock",
    "reports_visible_to",
    "residents_figures",
    "scope_epci_id",
    "tally_filter",
]
