from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from passnum.site import health
from passnum.site import views as site_views

# The technical admin logs in through allauth (rate limits, two-factor authentication), never
# through its own password-only form. Private files (MEDIA_ROOT) are served only by views that
# check who asks, never by a URL of their own, not even in DEBUG.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", site_views.home, name="home"),
    path("organisation/changer/", site_views.organisation_switch, name="organisation_switch"),
    path("accessibilite/", site_views.accessibility, name="accessibility"),
    path("donnees-personnelles/", site_views.privacy, name="privacy"),
    path("compte/", include("passnum.accounts.urls")),
    path("compte/", include("allauth.urls")),
    path("programme/", include("passnum.programme.urls")),
    path("organisations/", include("passnum.organisations.urls")),
    path("journal/", include("passnum.site.journal_urls")),
    path("cheques/", include("chequebooks.urls")),
    path("orientation/", include("orientation.urls")),
    path("mediation/", include("mediation.urls")),
    path("pilotage/", include("reporting.urls")),
    path("gestion-technique/", admin.site.urls),
    # Deployment (issue 10): database, cache and broker, for healthchecks; no login.
    path("sante/", health.health, name="health"),
]
