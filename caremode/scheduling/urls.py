from django.urls import path

from caremode.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("<int:pk>/outcome/", views.record_outcome, name="record_outcome"),
    path("summary/", views.contact_summary, name="summary"),
]
