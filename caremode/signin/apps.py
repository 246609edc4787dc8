from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "caremode.signin"
    label = "signin"
