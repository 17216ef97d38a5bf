from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("audit-log/", views.AuditLogView.as_view(), name="audit_log"),
    path("subject-access/", views.SubjectAccessView.as_view(), name="subject_access"),
]
