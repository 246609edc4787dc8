from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "caremode.people"
    label = "people"
