from django.urls import path

from caremode.interop import pages

app_name = "interop_pages"
urlpatterns = [
    path("", pages.clients, name="clients"),
    path("<int:pk>/revoke/", pages.revoke, name="revoke"),
]
