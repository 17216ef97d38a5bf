from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("", views.FinanceSummaryView.as_view(), name="summary"),
    path("ledger.xlsx", views.LedgerDownloadView.as_view(), name="ledger"),
    path("360giving.json", views.ThreeSixtyGivingJsonView.as_view(), name="threesixtygiving_json"),
    path("360giving.xlsx", views.ThreeSixtyGivingXlsxView.as_view(), name="threesixtygiving_xlsx"),
    path("import/", views.AwardImportView.as_view(), name="award_import"),
    path("runs/", views.PaymentRunListView.as_view(), name="run_list"),
    path("runs/new/", views.PaymentRunCreateView.as_view(), name="run_create"),
    path("runs/<int:pk>/", views.PaymentRunDetailView.as_view(), name="run_detail"),
    path("runs/<int:pk>/approve/", views.PaymentRunApproveView.as_view(), name="run_approve"),
    path("runs/<int:pk>/export/", views.PaymentRunExportView.as_view(), name="run_export"),
    path("runs/<int:pk>/paid/", views.PaymentRunPaidView.as_view(), name="run_paid"),
    path("runs/<int:pk>/payments.csv", views.PaymentFileView.as_view(), name="run_payment_file"),
    path("runs/<int:pk>/ledger.xlsx", views.PaymentRunLedgerView.as_view(), name="run_ledger"),
    path("awards/", views.AwardListView.as_view(), name="award_list"),
    path("awards/<int:pk>/", views.AwardDetailView.as_view(), name="award_detail"),
    path("awards/<int:pk>/repayments/new/", views.RepaymentRequestView.as_view(),
         name="repayment_request"),
    path("repayments/<int:pk>/received/", views.RepaymentReceivedView.as_view(),
         name="repayment_received"),
    path("payments/<int:pk>/failed/", views.PaymentFailView.as_view(), name="payment_fail"),
    path("payments/<int:pk>/pay-again/", views.PaymentRequeueView.as_view(),
         name="payment_requeue"),
]
