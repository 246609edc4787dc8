from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "caremode.rooms"
    label = "rooms"
    verbose_name = "Video rooms"

    def ready(self) -> None:
        from caremode.rooms.services import close_abandoned_rooms
        from caremode.scheduling.services import register_periodic_check

        register_periodic_check("video rooms closed after the contact", close_abandoned_rooms)
