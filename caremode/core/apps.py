from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "caremode.core"
    label = "core"
