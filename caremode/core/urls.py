from django.urls import path

from caremode.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
]
