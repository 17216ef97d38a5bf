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
    # Monitoring returns: the group's pages
    path(
        "applications/<int:pk>/returns/<int:return_pk>/",
        views.ReturnTaskListView.as_view(),
        name="return_tasks",
    ),
    path(
        "applications/<int:pk>/returns/<int:return_pk>/check/",
        views.SubmitReturnView.as_view(),
        name="return_submit",
    ),
    path(
        "applications/<int:pk>/returns/<int:return_pk>/files/",
        views.ReturnFilesView.as_view(),
        name="return_files",
    ),
    path(
        "applications/<int:pk>/returns/<int:return_pk>/files/<int:file_pk>/remove/",
        views.RemoveReturnFileView.as_view(),
        name="return_file_remove",
    ),
    path(
        "applications/<int:pk>/returns/<int:return_pk>/<slug:section>/",
        views.ReturnSectionView.as_view(),
        name="return_section",
    ),
    path(
        "returns/<int:return_pk>/files/<int:file_pk>/",
        views.ReturnFileDownloadView.as_view(),
        name="return_file",
    ),
    # Monitoring returns: officers
    path("staff/monitoring/", views.MonitoringListView.as_view(), name="monitoring_returns"),
    path(
        "staff/monitoring/summary/", views.MonitoringSummaryView.as_view(), name="monitoring_summary"
    ),
    path("staff/monitoring/<int:pk>/", views.MonitoringReviewView.as_view(), name="monitoring_review"),
    path(
        "staff/monitoring/<int:pk>/case-officer/",
        views.MonitoringCaseOfficerView.as_view(),
        name="monitoring_case_officer",
    ),
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
    # Assessment: screening, assignment, conflicts and moderation
    path(
        "staff/applications/<int:pk>/reopen-screening/",
        views.ReopenScreeningView.as_view(),
        name="reopen_screening",
    ),
    path(
        "staff/assignments/<int:pk>/remove/",
        views.RemoveAssignmentView.as_view(),
        name="remove_assignment",
    ),
    path(
        "staff/rounds/<int:pk>/allocate/",
        views.AllocateAssessorsView.as_view(),
        name="allocate_assessors",
    ),
    path(
        "staff/rounds/<int:pk>/declarations/",
        views.RoundDeclarationsView.as_view(),
        name="round_declarations",
    ),
    path(
        "staff/rounds/<int:pk>/moderation/",
        views.RoundModerationView.as_view(),
        name="round_moderation",
    ),
    path("staff/applications/<int:pk>/moderate/", views.ModerateView.as_view(), name="moderate"),
    # Ranking, recommendations and history
    path("staff/rounds/<int:pk>/ranking/", views.RankingView.as_view(), name="ranking"),
    path("staff/applications/<int:pk>/recommend/", views.RecommendView.as_view(), name="recommend"),
    path(
        "staff/applications/<int:pk>/history/",
        views.ApplicationHistoryView.as_view(),
        name="application_history",
    ),
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
    path(
        "decisions/rounds/<int:pk>/approve/",
        views.BulkApproveView.as_view(),
        name="approve_selected",
    ),
]

# Reports and search (officers, approvers, finance and administrators)
urlpatterns += [
    path("staff/reports/", views.ReportView.as_view(), name="report"),
    path("staff/reports/download/", views.ReportDownloadView.as_view(), name="report_download"),
    path("staff/search/", views.SearchView.as_view(), name="search"),
]
