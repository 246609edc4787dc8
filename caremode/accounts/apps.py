from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "caremode.accounts"
    label = "accounts"
    verbose_name = "Accounts"
