from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "caremode.feedback"
    label = "feedback"
    verbose_name = "Voices: feedback, themes and carers' input"
