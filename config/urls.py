from django.urls import include, path

urlpatterns = [
    path("", include("caremode.core.urls")),
    path("", include("caremode.records.urls")),
    path("", include("caremode.decisions.urls")),
    path("account/", include("caremode.signin.urls")),
    path("service-users/", include("caremode.people.urls")),
    path("", include("caremode.scheduling.urls")),
    path("", include("caremode.rooms.urls")),
    path("", include("caremode.monitoring.urls")),
    path("", include("caremode.workforce.urls")),
    path("", include("caremode.feedback.urls")),
    path("fhir/", include("caremode.interop.urls")),
]
