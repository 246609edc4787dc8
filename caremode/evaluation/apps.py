from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "caremode.evaluation"
    label = "evaluation"
