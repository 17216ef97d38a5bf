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
    path("runs/build/", views.RunBuildView.as_view(), name="run_build"),
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
    path("offers/", views.OfferListView.as_view(), name="offer_list"),
    path("awards/<int:pk>/offer-letter/", views.StaffOfferLetterView.as_view(),
         name="offer_letter"),
    path("awards/<int:pk>/offer-letter.pdf", views.StaffOfferPdfView.as_view(),
         name="offer_letter_pdf"),
    path("payment-rules/", views.PaymentRuleListView.as_view(), name="payment_rules"),
    path("bank-checks/", views.BankCheckListView.as_view(), name="bank_check_list"),
    path("bank-checks/<int:pk>/", views.BankCheckView.as_view(), name="bank_check"),
    path("variations/", views.VariationListView.as_view(), name="variation_list"),
    path("variations/<int:pk>/", views.VariationDetailView.as_view(), name="variation_detail"),
    path("awards/<int:pk>/variations/new/", views.VariationRequestView.as_view(),
         name="variation_request"),
    path("awards/<int:pk>/close/", views.AwardCloseView.as_view(), name="award_close"),
]
