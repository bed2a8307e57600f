"""The startup check of the other libraries' internals we lean on (app/serving/internals.py)."""

import a2wsgi.wsgi
import pytest
from connexion.validators import JSONRequestBodyValidator

from app import create_app
from app.serving import internals


def test_every_internal_we_lean_on_is_there_in_the_installed_libraries():
    assert internals.missing() == []
    internals.check()


def test_the_app_refuses_to_start_naming_the_internal_that_is_gone(monkeypatch, settings_overrides):
    monkeypatch.delattr(a2wsgi.wsgi, "build_environ")
    with pytest.raises(internals.InternalChanged) as refused:
        create_app(settings_overrides)
    message = str(refused.value)
    assert "a2wsgi" in message and "build_environ" in message
    assert "app/serving/bridge.py" in message
    # Only that one is named.
    assert "_accept_connection" not in message and "_middleware_app" not in message


def test_a_changed_signature_counts_as_gone(monkeypatch):
    async def _parse(self, stream):  # no `scope` any more
        return None

    monkeypatch.setattr(JSONRequestBodyValidator, "_parse", _parse)
    assert [internal.library for internal in internals.missing()] == ["connexion"]
    with pytest.raises(internals.InternalChanged, match="_parse.*app/contract/validation.py"):
        internals.check()


def test_a_method_that_stops_calling_the_internal_counts_as_gone(monkeypatch):
    import asyncio.selector_events

    loop = asyncio.selector_events.BaseSelectorEventLoop
    monkeypatch.setattr(loop, "_start_serving", lambda self, *args: None)
    with pytest.raises(internals.InternalChanged, match="Python .*_accept_connection"):
        internals.check()
