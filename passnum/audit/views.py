from django.shortcuts import render

from passnum.organisations.permissions import MANAGERS, role_required

from .models import JournalEntry


@role_required(*MANAGERS)
def search(request):
    entries = JournalEntry.objects.select_related("actor", "organisation")[:100]
    return render(request, "audit/search.html", {"entries": entries})
