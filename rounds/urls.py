from django.urls import path

from . import views

app_name = "rounds"

urlpatterns = [
    path("", views.RoundListView.as_view(), name="list"),
    path("<int:pk>/", views.RoundDetailView.as_view(), name="detail"),
]
