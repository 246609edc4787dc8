from django.urls import path

from caremode.feedback import views

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
    # Carers' input to assessments (E10).
    path("carer-input/<str:token>/", views.link_carer_input, name="link_carer_input"),
    path("people-i-care-for/invitations/<int:pk>/", views.my_invitation, name="my_invitation"),
    path("people-i-care-for/<int:pk>/concern/", views.raise_concern, name="raise_concern"),
    path("contacts/<int:pk>/carers-view/", views.contact_carer_views, name="contact_carer_views"),
]
