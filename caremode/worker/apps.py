from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "caremode.worker"
    label = "worker"
    verbose_name = "Background worker"
