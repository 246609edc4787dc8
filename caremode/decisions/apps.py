from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "caremode.decisions"
    label = "decisions"
