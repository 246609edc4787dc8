from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "caremode.records"
    label = "records"
