from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("nouvelle/", views.organisation_new, name="new"),
    path("equipe/", views.members, name="members"),
    path("<int:pk>/", views.organisation_detail, name="detail"),
    path("<int:pk>/modifier/", views.organisation_edit, name="edit"),
    path("<int:pk>/inviter/", views.invite, name="invite"),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/retirer/",
        views.invitation_cancel_view,
        name="invitation_cancel",
    ),
    path(
        "<int:pk>/membres/<int:membership_pk>/desactiver/",
        views.membership_deactivate_view,
        name="membership_deactivate",
    ),
]
