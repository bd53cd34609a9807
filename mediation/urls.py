from django.urls import path

from . import views

app_name = "mediation"
urlpatterns = [
    path("encaisser/", views.redeem, name="redeem"),
    path("verifier/", views.cheque_check, name="cheque_check"),
    path("activites/", views.activity_list, name="activity_list"),
    path("activites/nouvelle/", views.activity_create, name="activity_create"),
    path("activites/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("releves/", views.statement_list, name="statement_list"),
    path("releves/produire/", views.statements_produce, name="statements_produce"),
    path(
        "releves/export-comptable.csv", views.statements_accounting_export, name="statements_export"
    ),
    path("releves/<int:pk>/", views.statement_detail, name="statement_detail"),
    path("releves/<int:pk>/pdf/", views.statement_pdf, name="statement_pdf"),
    path("releves/<int:pk>/<str:action>/", views.statement_action, name="statement_action"),
    path("structure/", views.organisation_profile, name="profile"),
    path("structure/modifier/", views.profile_edit, name="profile_edit"),
    path("structure/lieux/nouveau/", views.place_create, name="place_create"),
    path("structure/lieux/<int:pk>/", views.place_edit, name="place_edit"),
    path(
        "structure/lieux/<int:pk>/rendez-vous/",
        views.place_availability,
        name="place_availability",
    ),
    path("mediateurs/", views.mediator_list, name="mediator_list"),
    path("mediateurs/inviter/", views.mediator_invite, name="mediator_invite"),
    path("mediateurs/<int:pk>/", views.mediator_detail, name="mediator_detail"),
    path("mediateurs/<int:pk>/profil/", views.mediator_profile_edit, name="mediator_profile_edit"),
    path(
        "mediateurs/<int:pk>/coordonnees-bancaires/",
        views.mediator_bank_details_confirm,
        name="mediator_bank_details_confirm",
    ),
    path(
        "mediateurs/<int:pk>/qualification/",
        views.mediator_qualification,
        name="mediator_qualification",
    ),
    path(
        "mediateurs/<int:pk>/lieux/nouveau/",
        views.mediator_place_create,
        name="mediator_place_create",
    ),
    path(
        "mediateurs/<int:pk>/conventions/nouvelle/", views.agreement_create, name="agreement_create"
    ),
    path("conventions/", views.agreement_list, name="agreement_list"),
    path("conventions/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("conventions/<int:pk>/pdf/", views.agreement_pdf, name="agreement_pdf"),
    path("conventions/<int:pk>/<str:action>/", views.agreement_action, name="agreement_action"),
    path("lieux/open-data.<str:fmt>", views.places_open_data, name="places_open_data"),
]
