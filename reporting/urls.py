from django.urls import path

from . import views

app_name = "reporting"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("actualiser/", views.refresh, name="refresh"),
    path("tableaux/<slug:name>/", views.breakdown, name="breakdown"),
    path("radar/stock/", views.radar_stock, name="radar_stock"),
    path("radar/non-commences/", views.radar_not_started, name="radar_not_started"),
    path("radar/expiration/", views.radar_expiring, name="radar_expiring"),
    path("radar/orientations/", views.radar_referrals, name="radar_referrals"),
    path(
        "radar/rendez-vous-manques/",
        views.radar_missed_appointments,
        name="radar_missed_appointments",
    ),
    path(
        "radar/rendez-vous-manques/<int:pk>/relancer/",
        views.appointment_remind_person,
        name="appointment_remind_person",
    ),
    path("accueils/<int:pk>/relancer/", views.front_desk_remind, name="front_desk_remind"),
    path("orientations/<int:pk>/relancer/", views.referral_remind, name="referral_remind"),
    path("rapports/", views.report_list, name="reports"),
    path("rapports/<int:pk>/telecharger/", views.report_download, name="report_download"),
    path(
        "rapports/<int:pk>/etat.<str:fmt>",
        views.report_state_download,
        name="report_state_download",
    ),
    path("exports/", views.export_create, name="export_create"),
    path("exports/<int:pk>/", views.export_detail, name="export"),
    path("exports/<int:pk>/telecharger/", views.export_download, name="export_download"),
]
