from django.urls import path

from . import views

app_name = "rounds"

urlpatterns = [
    path("", views.RoundListView.as_view(), name="list"),
    path("<int:pk>/", views.RoundDetailView.as_view(), name="detail"),
    # Setting up programmes and rounds (grant officers)
    path("setup/", views.ProgrammeListView.as_view(), name="programmes"),
    path("setup/programmes/new/", views.ProgrammeFormView.as_view(), name="programme_create"),
    path("setup/programmes/<int:pk>/", views.ProgrammeDetailView.as_view(), name="programme"),
    path(
        "setup/programmes/<int:pk>/edit/", views.ProgrammeFormView.as_view(), name="programme_edit"
    ),
    path(
        "setup/programmes/<int:programme_pk>/rounds/new/",
        views.RoundFormView.as_view(),
        name="round_create",
    ),
    path("setup/rounds/<int:pk>/", views.RoundSetupView.as_view(), name="setup"),
    path("setup/rounds/<int:pk>/edit/", views.RoundFormView.as_view(), name="round_edit"),
    path("setup/rounds/<int:pk>/criteria/", views.CriteriaView.as_view(), name="criteria"),
    path("setup/rounds/<int:pk>/publish/", views.PublishRoundView.as_view(), name="publish"),
    path("setup/rounds/<int:pk>/archive/", views.ArchiveRoundView.as_view(), name="archive"),
    path("setup/rounds/<int:pk>/copy/", views.CopyRoundView.as_view(), name="copy"),
]
