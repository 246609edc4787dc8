from django.urls import include, path

# Error pages in the NHS layout (caremode.core.error_pages).
handler400 = "caremode.core.error_pages.bad_request"
handler403 = "caremode.core.error_pages.permission_denied"
handler404 = "caremode.core.error_pages.page_not_found"
handler500 = "caremode.core.error_pages.server_error"

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
    path("system-clients/", include("caremode.interop.pages_urls")),
]
