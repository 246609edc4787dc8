from django.urls import path

from caremode.workforce import views

app_name = "workforce"
urlpatterns = [
    path("training/", views.my_training, name="my_training"),
    path("training/catalogue/", views.catalogue, name="catalogue"),
    path("training/teams/", views.coverage, name="coverage"),
    path("training/completions/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("service-users/<int:pk>/digital-support/", views.digital_support, name="digital_support"),
    path(
        "service-users/<int:pk>/digital-support/<int:support_pk>/outcome/",
        views.support_outcome,
        name="support_outcome",
    ),
    path("wellbeing/", views.pulse_page, name="pulse"),
    path("wellbeing/about-you/", views.profile, name="profile"),
    path("wellbeing/results/", views.results, name="results"),
]
