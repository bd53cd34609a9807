from django.shortcuts import render

from .permissions import MANAGERS, role_required
from .models import Role
from .selectors import organisations_visible_to


@role_required(*MANAGERS)
def organisation_list(request):
    organisations = organisations_visible_to(request.membership).select_related("epci")
    return render(request, "organisations/list.html", {"organisations": organisations})


@role_required(Role.ORG_ADMIN, Role.PROGRAMME_MANAGER)
def members(request):
    memberships = request.organisation.memberships.select_related("user").order_by("user__last_name")
    return render(request, "organisations/members.html", {"memberships": memberships})
