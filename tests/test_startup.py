"""The server never creates tables itself, and says what to do when the schema is behind."""

import pytest
from sqlalchemy import create_engine, inspect

from app import create_app
from app.migrate import SchemaNotAtHead


def test_refuses_to_start_on_an_empty_database(tmp_path, empty_database_url):
    url = empty_database_url
    with pytest.raises(SchemaNotAtHead, match="cache-api db upgrade"):
        create_app({"instance_path": tmp_path, "database_url": url, "jwt_secret": "s" * 40})
    engine = create_engine(url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()
