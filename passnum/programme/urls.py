from django.urls import path

from . import views

app_name = "programme"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("modifier/", views.programme_edit, name="edit"),
    path("budget/", views.budget, name="budget"),
    path("budget/financeurs/<int:pk>/", views.funder_edit, name="funder_edit"),
    path("budget/lignes/nouvelle/", views.budget_line_edit, name="budget_line_new"),
    path("budget/lignes/<int:pk>/", views.budget_line_edit, name="budget_line_edit"),
    path("financements/", views.funding, name="funding"),
    path("financements/appels/nouveau/", views.fund_call_new, name="fund_call_new"),
    path("financements/appels/<int:pk>/pdf/", views.fund_call_pdf, name="fund_call_pdf"),
    path("financements/paiements/nouveau/", views.fund_payment_new, name="fund_payment_new"),
    path("enveloppes/", views.envelopes, name="envelopes"),
    path("millesimes/", views.vintage_list, name="vintages"),
    path("millesimes/nouveau/", views.vintage_edit, name="vintage_new"),
    path("millesimes/<int:pk>/", views.vintage_edit, name="vintage_edit"),
    path("publics-cibles/", views.target_publics, name="publics"),
    path("publics-cibles/<int:pk>/", views.target_public_edit, name="public_edit"),
    path("types-accueil/", views.front_desk_types, name="front_desk_types"),
    path("types-accueil/<int:pk>/", views.front_desk_type_edit, name="front_desk_type_edit"),
    path("epci-partenaires/", views.partners, name="partners"),
    path("communes/", views.communes, name="communes"),
]
