from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "caremode.scheduling"
    label = "scheduling"
