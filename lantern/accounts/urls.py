from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("signin/", views.sign_in, name="sign_in"),
    path("signout/", views.sign_out, name="sign_out"),
    path("signed-out/", views.signed_out, name="signed_out"),
    path("security-tips/", views.security_tips, name="security_tips"),
    path("account/", views.account_settings, name="settings"),
    path("account/password/", views.change_password, name="change_password"),
    path("account/email/", views.change_email, name="change_email"),
    path("account/phone/", views.change_phone, name="change_phone"),
    path("account/units/", views.body_units, name="body_units"),
    path("account/language/", views.language, name="language"),
    path("account/notifications/", views.notification_settings, name="notification_settings"),
    path("account/email/resend/", views.resend_verification, name="resend_verification"),
    path("account/confirm-password/", views.confirm_password, name="confirm_password"),
    path("account/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("account/session/keep-alive/", views.keep_alive, name="keep_alive"),
    path("account/forgot-username/", views.forgot_username, name="forgot_username"),
    path("account/forgot-password/", views.forgot_password, name="forgot_password"),
    path(
        "account/reset/<str:uidb64>/<str:token>/",
        views.reset_password,
        name="reset_password",
    ),
    path("account/verify-email/<str:token>/", views.verify_email, name="verify_email"),
]
