from django.urls import path

from caremode.scheduling.consumers import TeamContactsConsumer

websocket_urlpatterns = [
    path("ws/teams/<int:team_id>/contacts/", TeamContactsConsumer.as_asgi()),
]
