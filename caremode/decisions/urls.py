from django.urls import path

from caremode.decisions import views

app_name = "decisions"
urlpatterns = [
    path("service-users/<int:pk>/decisions/", views.decisions, name="decisions"),
    path("service-users/<int:pk>/decisions/new/", views.agree_decision, name="agree"),
    path("service-users/<int:pk>/preferences/", views.record_preferences, name="preferences"),
    path("my-care/preferences/", views.my_preferences, name="my_preferences"),
    path("decisions/review/", views.review_list, name="review"),
    path("team/waiting/", views.waiting_list, name="waiting_list"),
    path("evidence/", views.evidence, name="evidence"),
    path("evidence/<str:code>/", views.finding, name="finding"),
    path("api/schema.json", views.openapi_schema, name="openapi"),
    path(
        "api/service-users/<int:pk>/recommendation/",
        views.recommendation_api,
        name="recommendation_api",
    ),
]
