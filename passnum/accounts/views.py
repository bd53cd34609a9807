from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from passnum.accounts.models import User
from passnum.organisations.middleware import SESSION_KEY
from passnum.organisations.services import invitation_accept, invitation_find

from .adapters import ProConnectOAuth2Adapter
from .forms import InvitationAcceptForm
from .services import proconnect_enabled

BACKEND = "django.contrib.auth.backends.ModelBackend"


@login_required
def profile(request):
    """The person's account: names, organisations, security, and the ProConnect identity
    linked to it, if any."""
    proconnect = request.user.socialaccount_set.filter(
        provider=settings.PROCONNECT_PROVIDER_ID
    ).first()
    return render(request, "accounts/profile.html", {"proconnect": proconnect})


def _proconnect_view(request, view_class):
    if not proconnect_enabled():
        raise Http404("Page introuvable")
    adapter = ProConnectOAuth2Adapter(request, settings.PROCONNECT_PROVIDER_ID)
    try:
        return view_class.adapter_view(adapter)(request)
    except SocialApp.DoesNotExist as exc:
        raise Http404("Page introuvable") from exc


@never_cache
def proconnect_login(request):
    """« S'identifier avec ProConnect » (a POST from the login page): to ProConnect."""
    return _proconnect_view(request, OAuth2LoginView)


@never_cache
def proconnect_callback(request):
    """ProConnect's answer: allauth checks it; ``ProConnectAdapter`` lets in or refuses."""
    return _proconnect_view(request, OAuth2CallbackView)


@never_cache
def invitation_accept_view(request, token):
    """The link of an invitation e-mail. A new person chooses a name and password and is
    logged in; a person who already has an account logs in as themselves, then confirms."""
    invitation = invitation_find(token=token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    existing = User.objects.filter(email__iexact=invitation.email).first()
    if existing is not None:
        return _accept_as_existing(request, invitation, existing)
    initial = {"first_name": invitation.first_name, "last_name": invitation.last_name}
    form = InvitationAcceptForm(request.POST or None, email=invitation.email, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                invitation=invitation,
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except ValidationError as exc:
            return _invalid(request, exc)
        return _log_in_to(request, user, invitation)
    return render(
        request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation}
    )


def _accept_as_existing(request, invitation, user):
    if request.user.is_authenticated and request.user.pk == user.pk and request.method == "POST":
        try:
            invitation_accept(invitation=invitation)
        except ValidationError as exc:
            return _invalid(request, exc)
        return _log_in_to(request, user, invitation, already=True)
    return render(
        request,
        "accounts/invitation_accept_existing.html",
        {"invitation": invitation, "is_that_person": request.user.pk == user.pk},
    )


def _invalid(request, exc):
    messages.error(request, " ".join(exc.messages))
    return render(request, "accounts/invitation_invalid.html", status=404)


def _log_in_to(request, user, invitation, *, already=False):
    if not already:
        login(request, user, backend=BACKEND)
    membership = user.memberships.get(organisation=invitation.organisation)
    request.session[SESSION_KEY] = membership.pk
    messages.success(request, f"Bienvenue ! Vous agissez pour {invitation.organisation.name}.")
    return redirect("home")
