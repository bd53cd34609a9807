from django.shortcuts import render

from passnum.organisations.permissions import MANAGERS, role_required

from .models import Envelope, Funder, Programme, TargetPublic, Vintage


@role_required(*MANAGERS)
def overview(request):
    context = {
        "programme": Programme.objects.first(),
        "funders": Funder.objects.prefetch_related("budget_lines"),
        "envelopes": Envelope.objects.select_related("epci"),
        "vintages": Vintage.objects.all(),
        "target_publics": TargetPublic.objects.all(),
    }
    return render(request, "programme/overview.html", context)
