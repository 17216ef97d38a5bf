"""The service's own URLs, and the benchmark's baseline views under /__bench__/."""

from django.urls import include, path

from config.urls import urlpatterns as service_urlpatterns

from . import views

bench_patterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("rounds/<int:pk>/applications/", views.round_applications, name="round_applications"),
    path("score/<int:pk>/", views.score, name="score"),
    path("finance/", views.finance_summary, name="finance_summary"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("rounds/<int:pk>/ranking/", views.ranking, name="ranking"),
    path("monitoring/", views.monitoring, name="monitoring"),
    path("search/", views.search, name="search"),
    path("assess/", views.assessor_queue, name="assessor_queue"),
    path("decisions/", views.approver_queue, name="approver_queue"),
    path("staff/", views.officer_home, name="officer_home"),
    path("runs/", views.run_list, name="run_list"),
    path("awards/", views.award_list, name="award_list"),
]

urlpatterns = [
    path("__bench__/", include((bench_patterns, "bench"))),
    *service_urlpatterns,
]
