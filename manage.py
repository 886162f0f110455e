#!/usr/bin/env python
"""Django's command-line utility for Lantern."""

import os
import secrets
import sys

# Commands that read only the code, never a database, a signature or a session: they need no
# secret key, so a fresh checkout can check its migrations before `make run` has made one.
KEYLESS_COMMANDS = frozenset({"makemigrations"})


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(sys.argv) > 1 and sys.argv[1] in KEYLESS_COMMANDS:
        # Used for nothing; every other command still refuses to start without a real key.
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
