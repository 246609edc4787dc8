from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "caremode.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring between contacts"
