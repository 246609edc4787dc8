from django.urls import path

from caremode.interop import views

app_name = "interop"
urlpatterns = [
    path("", views.system, name="system"),
    path("auth/token", views.token, name="token"),
    path("metadata", views.metadata, name="metadata"),
    path("<str:resource>", views.type_level, name="type"),
    path("<str:resource>/<str:resource_id>", views.instance, name="instance"),
]
