def current_organisation(request):
    return {
        "current_membership": getattr(request, "membership", None),
        "current_organisation": getattr(request, "organisation", None),
        "current_role": getattr(request, "role", None),
    }
