"""`manage.py compile_translations [--force]`: the `.mo` files from the repo's `.po` catalogs."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from lantern.core.translations import compile_catalogs


class Command(BaseCommand):
    help = "Compile the translation catalogs (.po) to the .mo files Django reads."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Compile every catalog again.")

    def handle(self, *args, **options) -> None:
        written = compile_catalogs(force=options["force"])
        self.stdout.write(f"{len(written)} catalog(s) compiled.")
