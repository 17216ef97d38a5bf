from django.urls import path

from . import views

app_name = "applicants"

urlpatterns = [
    path("", views.OrganisationListView.as_view(), name="list"),
    path("new/", views.OrganisationCreateView.as_view(), name="create"),
    path("<int:pk>/", views.OrganisationDetailView.as_view(), name="detail"),
    path("<int:pk>/switch/", views.SwitchOrganisationView.as_view(), name="switch"),
    path("<int:pk>/details/", views.OrganisationEditView.as_view(), name="edit"),
    path("<int:pk>/access-needs/", views.AccessNeedsView.as_view(), name="access_needs"),
    path("<int:pk>/bank-details/", views.BankDetailsView.as_view(), name="bank_details"),
    path(
        "<int:pk>/bank-details/full/",
        views.FullBankDetailsView.as_view(),
        name="bank_details_full",
    ),
    path("<int:pk>/documents/", views.DocumentsView.as_view(), name="documents"),
    path(
        "<int:pk>/documents/<str:kind>/upload/",
        views.DocumentUploadView.as_view(),
        name="upload_document",
    ),
    path(
        "documents/<int:document_pk>/download/",
        views.DocumentDownloadView.as_view(),
        name="download_document",
    ),
    path("<int:pk>/members/", views.MembersView.as_view(), name="members"),
    path("<int:pk>/members/invite/", views.InviteMemberView.as_view(), name="invite"),
    path(
        "<int:pk>/members/<int:membership_pk>/role/",
        views.ChangeMemberRoleView.as_view(),
        name="change_role",
    ),
    path(
        "<int:pk>/members/<int:membership_pk>/remove/",
        views.RemoveMemberView.as_view(),
        name="remove_member",
    ),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/revoke/",
        views.RevokeInvitationView.as_view(),
        name="revoke_invitation",
    ),
    path(
        "invitations/<str:token>/",
        views.AcceptInvitationView.as_view(),
        name="accept_invitation",
    ),
]
