from django.contrib.auth.decorators import login_not_required
from django.urls import path

from caremode.signin import views

app_name = "signin"
urlpatterns = [
    path("sign-in/", login_not_required(views.SignInView.as_view()), name="sign_in"),
    path("sign-out/", views.SignOutView.as_view(), name="sign_out"),
    path("two-step/", views.two_step, name="two_step"),
    path("confirm/", views.confirm_password, name="confirm_password"),
    path("password/", views.ChangePasswordView.as_view(), name="change_password"),
    path(
        "set-password/<uidb64>/<token>/",
        login_not_required(views.SetPasswordView.as_view()),
        name="set_password",
    ),
    path(
        "forgotten-password/",
        login_not_required(views.forgotten_password),
        name="forgotten_password",
    ),
    path(
        "reset-password/<uidb64>/<token>/",
        login_not_required(views.ResetPasswordView.as_view()),
        name="reset_password",
    ),
]
