from django.urls import path

from . import views

app_name = "orientation"
urlpatterns = [
    # The front desk's flow
    path("nouvelle-personne/", views.flow_start, name="flow_start"),
    path("nouvelle-personne/effacer/", views.flow_clear, name="flow_clear"),
    path("parcours/<int:pk>/evaluation/", views.flow_assess, name="flow_assess"),
    path("parcours/<int:pk>/cheque/", views.flow_handover, name="flow_handover"),
    path("parcours/<int:pk>/orientation/", views.flow_refer, name="flow_refer"),
    path("orientations/<int:pk>/", views.flow_done, name="flow_done"),
    path("orientations/<int:pk>/fiche.pdf", views.referral_sheet, name="referral_sheet"),
    path("orientations/", views.referral_list, name="referral_list"),
    path(
        "orientations/<int:pk>/rendez-vous/",
        views.referral_appointment,
        name="referral_appointment",
    ),
    # People
    path("personnes/", views.person_list, name="person_list"),
    path("personnes/<int:pk>/", views.person_detail, name="person_detail"),
    path("personnes/<int:pk>/modifier/", views.person_edit, name="person_edit"),
    path("personnes/<int:pk>/donnees.json", views.person_export, name="person_export"),
    path("personnes/<int:pk>/donnees.pdf", views.person_export_pdf, name="person_export_pdf"),
    path("personnes/<int:pk>/anonymiser/", views.person_anonymise, name="person_anonymise"),
    # The mediator's inbox
    path("orientations-recues/", views.inbox, name="inbox"),
    path("rendez-vous/", views.appointment_list, name="appointment_list"),
    path("rendez-vous/<int:pk>/", views.appointment_mark, name="appointment_mark"),
    path("orientations-recues/<int:pk>/", views.mediator_referral, name="mediator_referral"),
    path(
        "orientations-recues/<int:pk>/accepter/",
        views.referral_accept_view,
        name="referral_accept",
    ),
    path(
        "orientations-recues/<int:pk>/refuser/",
        views.referral_decline_view,
        name="referral_decline",
    ),
    path(
        "orientations-recues/<int:pk>/suivi/",
        views.referral_progress_view,
        name="referral_progress",
    ),
    path(
        "orientations-recues/<int:pk>/reevaluer/",
        views.mediator_reassess,
        name="mediator_reassess",
    ),
    # Questionnaire editor (programme managers)
    path("questionnaires/", views.questionnaire_list, name="questionnaire_list"),
    path("questionnaires/<int:pk>/", views.questionnaire_detail, name="questionnaire_detail"),
    path("questions/<int:pk>/", views.question_edit, name="question_edit"),
]
