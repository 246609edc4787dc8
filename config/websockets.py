from django.urls import path

from caremode.rooms.consumers import RoomConsumer
from caremode.scheduling.consumers import TeamContactsConsumer

websocket_urlpatterns = [
    path("ws/teams/<int:team_id>/contacts/", TeamContactsConsumer.as_asgi()),
    path("ws/rooms/<int:room_id>/", RoomConsumer.as_asgi()),
]
