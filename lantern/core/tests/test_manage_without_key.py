"""A fresh checkout, with no SECRET_KEY and no var/secret-key yet, can check its migrations;
everything else still refuses to start without a key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def manage(*args: str, var_dir: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    env["VAR_DIR"] = str(var_dir)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(  # noqa: S603 (this interpreter, this repository's manage.py)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_makemigrations_check_runs_without_a_secret_key(tmp_path):
    found = manage("makemigrations", "--check", "--dry-run", var_dir=tmp_path)

    assert found.returncode == 0, found.stderr
    assert "No changes detected" in found.stdout


def test_other_commands_still_refuse_without_a_secret_key(tmp_path):
    refused = manage("check", var_dir=tmp_path)

    assert refused.returncode != 0
    assert "SECRET_KEY is not set" in refused.stderr
