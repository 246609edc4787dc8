from django.urls import path

from caremode.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("contacts/<int:pk>/outcome/", views.record_outcome, name="record_outcome"),
    path("contacts/<int:pk>/outcome/correct/", views.correct_outcome, name="correct_outcome"),
    path("contacts/<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("contacts/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("contacts/summary/", views.contact_summary, name="summary"),
    path("team/", views.team, name="team"),
    path("follow-ups/<int:pk>/complete/", views.complete_follow_up, name="complete_follow_up"),
    path("alerts/<int:pk>/resolve/", views.resolve_alert, name="resolve_alert"),
    path("alerts/<int:pk>/acknowledge/", views.acknowledge_alert, name="acknowledge_alert"),
    path("service-users/<int:pk>/handover/", views.request_handover, name="request_handover"),
    path("handovers/<int:pk>/", views.respond_to_handover, name="respond_to_handover"),
    path(
        "service-users/<int:pk>/commitments/new/", views.agree_commitment, name="agree_commitment"
    ),
    path("commitments/<int:pk>/end/", views.end_commitment, name="end_commitment"),
    path("my-care/appointments/<int:pk>/ask/", views.ask_about_contact, name="ask_about_contact"),
    path("appointment-requests/<int:pk>/", views.appointment_request, name="appointment_request"),
    path("diary/", views.my_diary, name="my_diary"),
    path("diary/team/", views.team_diary, name="team_diary"),
    path("diary/working-hours/", views.working_hours, name="working_hours"),
]
