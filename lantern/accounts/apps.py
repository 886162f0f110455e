from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lantern.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .session_state import start

        def start_session_clock(sender: object, request: object, user: object, **kwargs: object):
            # Session bookkeeping only (no business rule): every way of signing in, including
            # the admin's and tests' force_login, starts the idle and absolute clocks.
            if request is not None and hasattr(request, "session"):
                start(request.session)

        user_logged_in.connect(
            start_session_clock, dispatch_uid="lantern.accounts.start_session_clock", weak=False
        )
