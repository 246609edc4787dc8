from django.urls import path

from caremode.feedback import coding_views, views

app_name = "feedback"
urlpatterns = [
    # Feedback after contacts (issue 15).
    path("feedback/", views.my_feedback, name="my_feedback"),
    path("feedback/questionnaires/<int:pk>/", views.answer, name="answer"),
    path("feedback/results/", views.results_page, name="results"),
    path("feedback/friends-and-family-test.csv", views.fft_csv, name="fft_csv"),
    path("feedback/themes/", views.themes_page, name="themes"),
    path("feedback/themes.csv", views.themes_csv, name="themes_csv"),
    path("feedback/<str:token>/", views.link_feedback, name="link_feedback"),
    # The codebook, coding, agreement and reconciliation: coders only.
    path("coding/codebook/", coding_views.codebook_page, name="codebook"),
    path("coding/codebook/add/", coding_views.add_code, name="add_code"),
    path("coding/codebook/<slug:key>/", coding_views.code_page, name="code"),
    path("coding/codebook/<slug:key>/edit/", coding_views.edit_code, name="edit_code"),
    path("coding/codebook/<slug:key>/merge/", coding_views.merge_code, name="merge_code"),
    path("coding/codebook/<slug:key>/split/", coding_views.split_code, name="split_code"),
    path("coding/codebook/<slug:key>/retire/", coding_views.retire_code, name="retire_code"),
    path("coding/excerpts/", coding_views.coding_queue, name="coding_queue"),
    path("coding/excerpts/<int:pk>/", coding_views.code_excerpt, name="code_excerpt"),
    path(
        "coding/excerpts/<int:pk>/reconcile/",
        coding_views.reconcile_excerpt,
        name="reconcile_excerpt",
    ),
    path("coding/agreement/", coding_views.agreement_page, name="coding_agreement"),
    # Carers' input to assessments (E10).
    path("carer-input/<str:token>/", views.link_carer_input, name="link_carer_input"),
    path("people-i-care-for/invitations/<int:pk>/", views.my_invitation, name="my_invitation"),
    path("people-i-care-for/<int:pk>/concern/", views.raise_concern, name="raise_concern"),
    path("contacts/<int:pk>/carers-view/", views.contact_carer_views, name="contact_carer_views"),
]
