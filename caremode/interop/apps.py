from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "caremode.interop"
    label = "interop"
    verbose_name = "Interoperability: FHIR R4 / UK Core and MHSDS v6"
