from django.urls import path

from caremode.records import views

app_name = "records"
urlpatterns = [
    path("service-users/", views.caseload, name="caseload"),
    path("service-users/<int:pk>/", views.record, name="record"),
    path("service-users/<int:pk>/book/", views.book_contact, name="book"),
    path(
        "service-users/<int:pk>/consents/<int:consent_pk>/withdraw/",
        views.withdraw_consent,
        name="withdraw_consent",
    ),
    path("service-users/<int:pk>/export/", views.subject_access_export, name="export"),
    path(
        "service-users/<int:pk>/export/readable/",
        views.subject_access_page,
        name="export_readable",
    ),
    path("service-users/<int:pk>/export.pdf", views.subject_access_pdf, name="export_pdf"),
    path("evaluation/", views.evaluation_dashboard, name="evaluation"),
    path("evaluation/measures.csv", views.evaluation_csv, name="evaluation_csv"),
    path(
        "evaluation/service-changes.csv",
        views.evaluation_changes_csv,
        name="evaluation_changes_csv",
    ),
    path("my-care/", views.portal, name="portal"),
    path("my-care/who-viewed/", views.who_viewed, name="who_viewed"),
    path("people-i-care-for/", views.carer_home, name="carer_home"),
    # Monitoring on the record (issue 12)
    path(
        "service-users/<int:pk>/warning-signs/new/",
        views.add_warning_sign,
        name="add_warning_sign",
    ),
    path(
        "service-users/<int:pk>/warning-signs/<int:sign_pk>/retire/",
        views.retire_warning_sign,
        name="retire_warning_sign",
    ),
    path("contacts/<int:pk>/score/<str:measure>/", views.score_measure, name="score_measure"),
]
