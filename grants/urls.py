from django.urls import path

from . import views

app_name = "grants"

urlpatterns = [
    # Applicants (and grant officers entering an application for a group)
    path("applications/", views.DashboardView.as_view(), name="dashboard"),
    path(
        "applications/check/<int:round_pk>/",
        views.EligibilityCheckView.as_view(),
        name="eligibility",
    ),
    path("applications/start/", views.StartApplicationView.as_view(), name="start"),
    path("applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="detail"),
    path("applications/<int:pk>/tasks/", views.TaskListView.as_view(), name="task_list"),
    path(
        "applications/<int:pk>/project/",
        views.ProjectSectionView.as_view(),
        name="section_project",
    ),
    path(
        "applications/<int:pk>/beneficiaries/",
        views.BeneficiariesSectionView.as_view(),
        name="section_beneficiaries",
    ),
    path(
        "applications/<int:pk>/outcomes/",
        views.OutcomesSectionView.as_view(),
        name="section_outcomes",
    ),
    path(
        "applications/<int:pk>/budget/", views.BudgetSectionView.as_view(), name="section_budget"
    ),
    path(
        "applications/<int:pk>/documents/",
        views.DocumentsSectionView.as_view(),
        name="section_documents",
    ),
    path(
        "applications/<int:pk>/attachments/<int:attachment_pk>/",
        views.AttachmentDownloadView.as_view(),
        name="attachment",
    ),
    path(
        "applications/<int:pk>/attachments/<int:attachment_pk>/remove/",
        views.RemoveAttachmentView.as_view(),
        name="remove_attachment",
    ),
    path("applications/<int:pk>/autosave/", views.AutosaveView.as_view(), name="autosave"),
    path("applications/<int:pk>/submit/", views.SubmitApplicationView.as_view(), name="submit"),
    path("applications/<int:pk>/submitted/", views.SubmittedView.as_view(), name="submitted"),
    path(
        "applications/<int:pk>/withdraw/",
        views.WithdrawApplicationView.as_view(),
        name="withdraw",
    ),
    path("applications/<int:pk>/print/", views.PrintApplicationView.as_view(), name="print"),
    path("applications/<int:pk>/offer/", views.AcceptOfferView.as_view(), name="offer"),
    path("applications/<int:pk>/offer/decline/", views.DeclineOfferView.as_view(),
         name="offer_decline"),
    path("applications/<int:pk>/offer/print/", views.PrintOfferView.as_view(), name="offer_print"),
    path("applications/<int:pk>/offer/offer-letter.pdf", views.OfferPdfView.as_view(),
         name="offer_pdf"),
    # Grant officers
    path("staff/", views.OfficerHomeView.as_view(), name="officer_home"),
    path(
        "staff/rounds/<int:pk>/", views.RoundApplicationsView.as_view(), name="round_applications"
    ),
    path(
        "staff/applications/<int:pk>/",
        views.OfficerApplicationView.as_view(),
        name="officer_application",
    ),
    path("staff/applications/<int:pk>/screen/", views.ScreenView.as_view(), name="screen"),
    path("staff/applications/<int:pk>/assign/", views.AssignView.as_view(), name="assign"),
    path("staff/applications/<int:pk>/recommend/", views.RecommendView.as_view(), name="recommend"),
    # Assisted digital: officers enter applications for groups
    path("staff/assisted/", views.AssistedListView.as_view(), name="assisted"),
    path("staff/assisted/start/", views.AssistedStartView.as_view(), name="assisted_start"),
    path(
        "staff/assisted/organisation/",
        views.AssistedOrganisationView.as_view(),
        name="assisted_organisation",
    ),
    # Assessors
    path("assess/", views.AssessorQueueView.as_view(), name="assessor_queue"),
    path("assess/<int:pk>/declare/", views.DeclareInterestView.as_view(), name="declare"),
    path("assess/<int:pk>/score/", views.ScoreView.as_view(), name="score"),
    # Approvers
    path("decisions/", views.ApproverQueueView.as_view(), name="approver_queue"),
    path("decisions/<int:pk>/", views.DecideView.as_view(), name="decide"),
]
