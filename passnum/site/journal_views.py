from django.shortcuts import render
from django_tables2 import RequestConfig

from passnum.audit.models import JournalEntry
from passnum.organisations.permissions import MANAGERS, role_required

from .journal_filters import JournalFilter
from .journal_tables import JournalTable


@role_required(*MANAGERS)
def search(request):
    """Programme managers search the journal by person, organisation, action and dates."""
    queryset = JournalEntry.objects.select_related("actor", "organisation")
    filterset = JournalFilter(request.GET or None, queryset=queryset)
    table = JournalTable(filterset.qs, order_by="-created_at")
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(request, "audit/search.html", {"filter": filterset, "table": table})
