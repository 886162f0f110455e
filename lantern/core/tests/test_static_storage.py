"""Static addresses carry the content hash from the manifest and are worked out once."""

from __future__ import annotations

import json

import pytest

from lantern.core.static_storage import StaticFilesStorage


@pytest.fixture
def storage(tmp_path, settings):
    settings.DEBUG = False
    settings.STATIC_URL = "/static/"
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "paths": {"css/site.css": "css/site.0123abcd.css"}})
    )
    return StaticFilesStorage(location=str(tmp_path), base_url="/static/")


def test_a_static_address_names_the_hashed_file(storage):
    assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"


def test_a_static_address_is_worked_out_once_and_then_kept(storage):
    storage.url("css/site.css")
    storage.hashed_files.clear()  # The manifest is not read for it again.
    assert storage.url("css/site.css") == "/static/css/site.0123abcd.css"


def test_a_file_missing_from_the_manifest_is_still_an_error(storage):
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        storage.url("css/missing.css")


def test_with_debug_the_unhashed_name_is_served(storage, settings):
    storage.url("css/site.css")
    settings.DEBUG = True
    assert storage.url("css/site.css") == "/static/css/site.css"
