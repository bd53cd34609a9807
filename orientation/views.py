"""Orientation pages. Thin: parse, call a service or a selector, render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from passnum.organisations.models import OrganisationKind
from passnum.organisations.permissions import MEDIATION, role_required

from . import selectors, services
from .forms import DeclineForm
from .models import ReferralState

MEDIATOR_KINDS = (OrganisationKind.MEDIATOR,)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Mediator --------------------------------------------------------------------------------


@role_required(*MEDIATION, kinds=MEDIATOR_KINDS)
def inbox(request):
    """The mediator's referrals: those waiting for an answer, then those in progress."""
    referrals = selectors.referrals_for_mediator(request.membership)
    waiting = referrals.filter(state=ReferralState.PROPOSED).order_by("created_at")
    in_progress = referrals.filter(
        state__in=[ReferralState.ACCEPTED, ReferralState.FIRST_SESSION]
    ).order_by("-state_changed_at")[:50]
    return render(
        request,
        "orientation/inbox.html",
        {"waiting": waiting, "in_progress": in_progress, "decline_form": DeclineForm()},
    )


@role_required(*MEDIATION, kinds=MEDIATOR_KINDS)
def mediator_referral(request, pk):
    referral = get_object_or_404(selectors.referrals_for_mediator(request.membership), pk=pk)
    services.beneficiary_record_viewed(
        beneficiary=referral.beneficiary, membership=request.membership
    )
    assessments = referral.beneficiary.assessments.all()[:5]
    return render(
        request,
        "orientation/mediator_referral.html",
        {
            "referral": referral,
            "person": referral.beneficiary,
            "assessments": assessments,
            "gain": services.assessment_gain(beneficiary=referral.beneficiary),
            "decline_form": DeclineForm(),
        },
    )


@require_POST
@role_required(*MEDIATION, kinds=MEDIATOR_KINDS)
def referral_accept_view(request, pk):
    referral = get_object_or_404(selectors.referrals_for_mediator(request.membership), pk=pk)
    try:
        services.referral_accept(referral=referral, membership=request.membership)
        messages.success(
            request, f"{referral} acceptée. Contactez la personne pour fixer un rendez-vous."
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("orientation:inbox")


@require_POST
@role_required(*MEDIATION, kinds=MEDIATOR_KINDS)
def referral_decline_view(request, pk):
    referral = get_object_or_404(selectors.referrals_for_mediator(request.membership), pk=pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.referral_decline(
                referral=referral, membership=request.membership, reason=form.cleaned_data["reason"]
            )
            messages.success(request, f"{referral} refusée. L'accueil en est informé.")
            return redirect("orientation:inbox")
        except ValidationError as error:
            form.add_error(None, error)
    return render(
        request,
        "orientation/mediator_referral.html",
        {
            "referral": referral,
            "person": referral.beneficiary,
            "decline_form": form,
            "assessments": referral.beneficiary.assessments.all()[:5],
        },
        status=400,
    )
