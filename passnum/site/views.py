from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from passnum.organisations.middleware import SESSION_KEY

from .home import home_panels


@login_required
def home(request):
    """The person's home: what they have to do next, for their current organisation and role."""
    if request.membership is None:
        return render(request, "home/no_membership.html", status=200)
    context = {"panels": home_panels(request)}
    return render(request, f"home/{request.role}.html", context)


@login_required
@require_POST
def organisation_switch(request):
    chosen = request.POST.get("membership", "")
    membership = get_object_or_404(
        request.user.memberships.filter(is_active=True, organisation__is_active=True),
        pk=int(chosen) if chosen.isascii() and chosen.isdigit() else None,
    )
    request.session[SESSION_KEY] = membership.pk
    messages.success(request, f"Vous agissez maintenant pour {membership.organisation}.")
    target = request.POST.get("next") or "home"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "home"
    return redirect(target if target.startswith("/") else "home")


def accessibility(request):
    return render(request, "core/accessibility.html")


def privacy(request):
    return render(
        request, "core/privacy.html", {"retention_months": settings.PASSNUM_RETENTION_MONTHS}
    )
