from django.urls import path

from caremode.monitoring import views

app_name = "monitoring"
urlpatterns = [
    # Check-ins (mci).
    path("service-users/<int:pk>/check-ins/", views.agree_schedule, name="agree_schedule"),
    path("service-users/<int:pk>/check-ins/stop/", views.stop_schedule, name="stop_schedule"),
    path("my-care/check-ins/", views.my_checkins, name="my_checkins"),
    path("my-care/check-ins/stop/", views.stop_my_checkins, name="stop_my_checkins"),
    path("my-care/check-ins/<int:pk>/", views.my_checkin, name="my_checkin"),
    path("check-in/<str:token>/", views.link_checkin, name="link_checkin"),
]
