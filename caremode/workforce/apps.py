from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "caremode.workforce"
    label = "workforce"
    verbose_name = "Workforce: training, digital support, staff wellbeing"

    def ready(self) -> None:
        from django.core import checks

        checks.register(check_threshold)


def check_threshold(**_kwargs: object) -> list:
    """The wellbeing threshold cannot be set below 10 (ADR 0010): the site refuses to start."""
    from django.conf import settings
    from django.core import checks

    from caremode.workforce.anonymity import group_threshold

    try:
        group_threshold(getattr(settings, "WELLBEING_MIN_GROUP", None))
    except ValueError as error:
        return [checks.Error(str(error), id="workforce.E001")]
    return []
