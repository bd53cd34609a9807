"""Reporting's journal events: one per action, its code, French sentence and details.

Services record them (``journal.REPORT_REQUESTED.record(actor=..., target=...)``); no action code
is written anywhere else. Imported by ``ReportingConfig.ready``."""

from passnum.audit.events import event

# --- Reminders (at most once a day per target) -------------------------------------------------

FRONT_DESK_REMINDED = event(
    "reporting.front_desk.reminded",
    "{actor} ({organisation}) a relancé l'accueil {target} : {topic} ({count})",
    details=("topic", "count"),
)
REFERRAL_REMINDED = event(
    "reporting.referral.reminded",
    "{actor} ({organisation}) a relancé le médiateur de l'{target}, en attente de réponse",
    details=("mediator",),
)

# --- Periodic reports --------------------------------------------------------------------------

REPORT_REQUESTED = event(
    "reporting.report.requested", "{actor} ({organisation}) a demandé le {target}"
)
REPORT_DOWNLOADED = event(
    "reporting.report.downloaded", "{actor} ({organisation}) a téléchargé le {target}"
)

# --- Exports of personal data ------------------------------------------------------------------

EXPORT_REQUESTED = event(
    "reporting.export.requested",
    "{actor} ({organisation}) a demandé l'export de données personnelles « {kind} » ({format})",
    details=("kind", "format"),
)
EXPORT_DOWNLOADED = event(
    "reporting.export.downloaded",
    "{actor} ({organisation}) a téléchargé l'export de données personnelles « {kind} » "
    "({rows:ligne|lignes})",
    details=("kind", "rows"),
)
