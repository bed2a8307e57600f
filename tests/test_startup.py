"""The server never creates tables itself, and says what to do when the schema is behind."""

import gc

import pytest
from sqlalchemy import create_engine, inspect

from app import create_app
from app.storage.migrate import SchemaNotAtHead


def test_refuses_to_start_on_an_empty_database(tmp_path, empty_database_url):
    url = empty_database_url
    with pytest.raises(SchemaNotAtHead, match="cache-api db upgrade"):
        create_app({"instance_path": tmp_path, "database_url": url, "jwt_secret": "s" * 40})
    engine = create_engine(url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()


def test_once_started_the_app_s_objects_are_kept_out_of_garbage_collection(
        settings_overrides, monkeypatch):
    """gc.freeze() at lifespan start: a full collection no longer walks the specs, schemas
    and routes (120,000 objects; 60-95 ms per collection before, issue 10)."""
    import app as app_package

    monkeypatch.setattr(app_package, "_collecting_for_serving", False)
    gc.unfreeze()
    try:
        app = create_app(settings_overrides)
        assert gc.get_freeze_count() == 0
        with app.test_client() as client:  # runs the lifespan's startup
            assert client.get("/healthz").status_code == 200
            assert gc.get_freeze_count() > 50_000
            walked = len(gc.get_objects())
            assert walked < gc.get_freeze_count() / 2, walked
    finally:
        gc.unfreeze()
