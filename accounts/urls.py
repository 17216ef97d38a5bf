from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("audit-log/", views.AuditLogView.as_view(), name="audit_log"),
    path("subject-access/", views.SubjectAccessView.as_view(), name="subject_access"),
    path("people/", views.PeopleView.as_view(), name="people"),
    path("people/add/", views.AddStaffMemberView.as_view(), name="add_staff_member"),
    path("people/<int:pk>/", views.PersonView.as_view(), name="person"),
    path("people/<int:pk>/deactivate/", views.PersonStatusView.as_view(), name="deactivate_person"),
    path(
        "people/<int:pk>/reactivate/",
        views.PersonStatusView.as_view(deactivate=False),
        name="reactivate_person",
    ),
]
