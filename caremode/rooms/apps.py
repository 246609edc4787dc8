from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "caremode.rooms"
    label = "rooms"
    verbose_name = "Video rooms"
