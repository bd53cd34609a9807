from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from passnum.core.forms import form_add_service_errors

from .filters import OrganisationFilter
from .forms import InvitationForm, OrganisationForm
from .models import Membership
from .permissions import MANAGERS, TEAM_MANAGERS, role_required
from .selectors import (
    invitations_pending,
    organisation_history,
    organisation_list_for_managers,
    organisation_team,
    organisations_manageable_by,
)
from .services import (
    invitation_cancel,
    invitation_create,
    membership_deactivate,
    organisation_create,
    organisation_update,
)
from .tables import OrganisationTable


@role_required(*MANAGERS)
def organisation_list(request):
    filterset = OrganisationFilter(request.GET or None, queryset=organisation_list_for_managers())
    table = OrganisationTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(request, "organisations/list.html", {"filter": filterset, "table": table})


@role_required(*MANAGERS)
def organisation_new(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = organisation_create(membership=request.membership, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"La structure « {organisation} » est créée.")
            return redirect("organisations:detail", pk=organisation.pk)
    return render(request, "organisations/form.html", {"form": form, "organisation": None})


@role_required(*MANAGERS)
def organisation_edit(request, pk):
    organisation = get_object_or_404(organisations_manageable_by(request.membership), pk=pk)
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            organisation_update(
                organisation=organisation, membership=request.membership, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Les modifications sont enregistrées.")
            return redirect("organisations:detail", pk=organisation.pk)
    return render(request, "organisations/form.html", {"form": form, "organisation": organisation})


@role_required(*TEAM_MANAGERS)
def organisation_detail(request, pk):
    organisation = get_object_or_404(
        organisations_manageable_by(request.membership).select_related(
            "epci", "commune", "front_desk_type"
        ),
        pk=pk,
    )
    context = {
        "organisation": organisation,
        "team": organisation_team(organisation),
        "invitations": invitations_pending(organisation),
        "history": organisation_history(organisation),
    }
    return render(request, "organisations/detail.html", context)


@role_required(*TEAM_MANAGERS)
def members(request):
    """The team of the current organisation (an admin's entry point)."""
    return redirect("organisations:detail", pk=request.organisation.pk)


@role_required(*TEAM_MANAGERS)
def invite(request, pk):
    organisation = get_object_or_404(organisations_manageable_by(request.membership), pk=pk)
    form = InvitationForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = invitation_create(
                organisation=organisation,
                by=request.membership,
                base_url=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Une invitation a été envoyée à {invitation.email}.")
            return redirect("organisations:detail", pk=organisation.pk)
    return render(
        request, "organisations/invite.html", {"form": form, "organisation": organisation}
    )


@role_required(*TEAM_MANAGERS)
@require_POST
def membership_deactivate_view(request, pk, membership_pk):
    organisation = get_object_or_404(organisations_manageable_by(request.membership), pk=pk)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "organisation"),
        organisation=organisation,
        pk=membership_pk,
    )
    try:
        membership_deactivate(membership=membership, by=request.membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"L'accès de {membership.user} est désactivé.")
    return redirect("organisations:detail", pk=organisation.pk)


@role_required(*TEAM_MANAGERS)
@require_POST
def invitation_cancel_view(request, pk, invitation_pk):
    organisation = get_object_or_404(organisations_manageable_by(request.membership), pk=pk)
    invitation = get_object_or_404(invitations_pending(organisation), pk=invitation_pk)
    try:
        invitation_cancel(invitation=invitation, by=request.membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"L'invitation de {invitation.email} est retirée.")
    return redirect("organisations:detail", pk=organisation.pk)
