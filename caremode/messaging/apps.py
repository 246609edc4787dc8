from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "caremode.messaging"
    label = "messaging"
