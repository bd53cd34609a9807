"""The project's URLs plus the minimal view the redemption view is compared with."""

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpResponse
from django.urls import path

from chequebooks.models import Cheque
from passnum.urls import urlpatterns as project_urlpatterns


@login_required
def minimal_update(request):
    """One indexed UPDATE (cheque number is unique), on the same middleware stack."""
    Cheque.objects.filter(number=int(request.POST["number"])).update(position=F("position"))
    return HttpResponse("ok")


urlpatterns = [path("mediation/banc/update/", minimal_update), *project_urlpatterns]
