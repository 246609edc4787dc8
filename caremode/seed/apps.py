from django.apps import AppConfig


class SeedConfig(AppConfig):
    name = "caremode.seed"
    label = "seed"
