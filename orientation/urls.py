from django.urls import path

from . import views

app_name = "orientation"
urlpatterns = [
    path("orientations-recues/", views.inbox, name="inbox"),
    path("orientations-recues/<int:pk>/", views.mediator_referral, name="mediator_referral"),
    path(
        "orientations-recues/<int:pk>/accepter/", views.referral_accept_view, name="referral_accept"
    ),
    path(
        "orientations-recues/<int:pk>/refuser/",
        views.referral_decline_view,
        name="referral_decline",
    ),
]
