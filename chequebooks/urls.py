from django.urls import path

from . import views

app_name = "chequebooks"
urlpatterns = [
    path("", views.chequebook_list, name="chequebook_list"),
    path("stock/", views.stock_overview, name="stock"),
    path("mon-stock/", views.desk_stock, name="desk_stock"),
    path("recherche/", views.lookup, name="lookup"),
    path("chequiers/<int:pk>/", views.chequebook_detail, name="chequebook_detail"),
    path("chequiers/<int:pk>/remettre/", views.chequebook_hand_over_view, name="hand_over"),
    path("chequiers/<int:pk>/opposition/", views.chequebook_cancel_view, name="chequebook_cancel"),
    path("chequiers/<int:pk>/retour/", views.chequebook_return_view, name="chequebook_return"),
    path(
        "chequiers/<int:pk>/transfert/", views.chequebook_transfer_view, name="chequebook_transfer"
    ),
    path(
        "chequiers/<int:pk>/attestation.pdf", views.chequebook_receipt_pdf_view, name="receipt_pdf"
    ),
    path("chequiers/<int:pk>/derogation/", views.exception_grant_view, name="exception_grant"),
    path("cheques/<int:pk>/opposition/", views.cheque_cancel_view, name="cheque_cancel"),
    path("impressions/", views.print_run_list, name="print_run_list"),
    path("impressions/nouvelle/", views.print_run_new, name="print_run_new"),
    path("impressions/<int:pk>/", views.print_run_detail, name="print_run_detail"),
    path("impressions/<int:pk>/avancement/", views.print_run_progress, name="print_run_progress"),
    path("impressions/<int:pk>/fichier/", views.print_run_download, name="print_run_download"),
    path(
        "impressions/<int:pk>/relancer/", views.print_run_relaunch_view, name="print_run_relaunch"
    ),
    path("import/", views.import_new, name="import"),
    path("attribution/", views.allocation_new, name="allocation"),
    path("millesimes/", views.vintage_list, name="vintage_list"),
    path("millesimes/<int:year>/", views.vintage_reconciliation, name="vintage_reconciliation"),
    path("millesimes/<int:year>/lever-gel/", views.vintage_freeze_lift_view, name="freeze_lift"),
]
