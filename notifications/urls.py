from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.MessageListView.as_view(), name="list"),
    path("not-sent/", views.FailedMessageListView.as_view(), name="failed"),
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
]
