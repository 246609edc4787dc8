from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "caremode.audit"
    label = "audit"
