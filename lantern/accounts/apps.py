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

        from axes.signals import user_locked_out

        from .services import sign_in_lockout_record

        def audit_lockout(sender: object, request: object, username: str | None, **kwargs: object):
            # django-axes sends this when it locks a username and for each attempt it refuses
            # while locked; the audit trail records each (the service decides what to write).
            sign_in_lockout_record(username=username or "")

        user_locked_out.connect(
            audit_lockout, dispatch_uid="lantern.accounts.audit_lockout", weak=False
        )
