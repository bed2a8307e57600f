"""Settings from the environment."""

import re

import pytest

from app.config import ConfigurationError, Settings


def test_defaults_use_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CACHE_INSTANCE_PATH", str(tmp_path))
    settings = Settings.from_env()
    assert settings.database_url == f"sqlite:///{tmp_path / 'cache.sqlite3'}"
    assert settings.embedded_database
    assert settings.jwt_secret == (tmp_path / "jwt-secret").read_text().strip()
    assert (settings.jwt_issuer, settings.jwt_audience, settings.cors_origins) == (
        "cache-api", "cache-api", ("*",))
    # The development secret is made once and kept.
    assert Settings.from_env().jwt_secret == settings.jwt_secret


def test_environment_variables(tmp_path, monkeypatch):
    for name, value in {
        "CACHE_INSTANCE_PATH": str(tmp_path), "CACHE_DATABASE_URL": "sqlite:///x.db",
        "CACHE_JWT_SECRET": "k" * 32, "CACHE_JWT_ISSUER": "idp", "CACHE_JWT_AUDIENCE": "cache",
        "CACHE_CORS_ORIGINS": "https://a.example, https://b.example", "CACHE_PURGE_INTERVAL": "60",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    assert (settings.database_url, settings.embedded_database) == ("sqlite:///x.db", False)
    assert settings.jwt_secret == "k" * 32
    assert (settings.jwt_issuer, settings.jwt_audience) == ("idp", "cache")
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.purge_interval == 60
    assert not (tmp_path / "jwt-secret").exists()


def test_a_short_secret_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("CACHE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CACHE_JWT_SECRET", "k" * 31)
    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        Settings.from_env()


def test_replica_and_pooler_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("CACHE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CACHE_DATABASE_URL", "postgresql+psycopg://cache@primary/cache")
    monkeypatch.setenv("CACHE_DATABASE_READ_URL", "postgresql+psycopg://cache@standby/cache")
    monkeypatch.setenv("CACHE_DATABASE_POOLER", "PgBouncer")
    settings = Settings.from_env()
    assert settings.database_read_url == "postgresql+psycopg://cache@standby/cache"
    assert settings.database_pooler == "pgbouncer"


@pytest.mark.parametrize("variables, message", [
    ({"CACHE_DATABASE_POOLER": "pgpool"}, "CACHE_DATABASE_POOLER must be one of pgbouncer"),
    ({"CACHE_DATABASE_READ_URL": "postgresql+psycopg://cache@standby/cache"},
     "CACHE_DATABASE_URL must be a PostgreSQL URL"),
    ({"CACHE_DATABASE_URL": "postgresql+psycopg://cache@primary/cache",
      "CACHE_DATABASE_READ_URL": "sqlite:///replica.db"},
     "CACHE_DATABASE_READ_URL must be a PostgreSQL URL"),
])
def test_replica_and_pooler_settings_that_cannot_work_are_refused(
        tmp_path, monkeypatch, variables, message):
    monkeypatch.setenv("CACHE_INSTANCE_PATH", str(tmp_path))
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env()


@pytest.mark.parametrize("name", ["CACHE_HISTORY_VERSIONS", "CACHE_HISTORY_DAYS"])
@pytest.mark.parametrize("value", ["９０", "²", "٩٠", "9_0", " 90", "+90", "0", "-1"])
def test_whole_number_settings_take_plain_digits_only(tmp_path, monkeypatch, name, value):
    """As the API's integer parameters: `９０` or `9_0` is a clear refusal, and `²` (a
    digit to str.isdigit, not to int) is not a traceback."""
    monkeypatch.setenv("CACHE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env()


def test_trusted_proxies_default_to_none_and_must_be_addresses_or_networks():
    from app.config import trusted_proxies

    assert trusted_proxies({}) == []
    assert trusted_proxies({"CACHE_TRUSTED_PROXIES": " 10.0.0.5, 10.1.0.0/16 ,::1,"}) == [
        "10.0.0.5", "10.1.0.0/16", "::1"]
    for wrong in ("*", "haproxy.internal", "10.0.0.5/24", "10.0.0.300"):
        with pytest.raises(ConfigurationError, match=f"CACHE_TRUSTED_PROXIES.*{re.escape(wrong)}"):
            trusted_proxies({"CACHE_TRUSTED_PROXIES": f"10.0.0.1,{wrong}"})


@pytest.mark.parametrize("name, zero", [("CACHE_USAGE_FLUSH_SECONDS", False),
                                        ("CACHE_PURGE_INTERVAL", True)])
@pytest.mark.parametrize("value", ["1_0", "nan", "inf", "1e3", "-1", " 5", "５", "0x10", "abc"])
def test_durations_take_plain_seconds_only(tmp_path, monkeypatch, name, zero, value):
    monkeypatch.setenv("CACHE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env()


def test_durations_in_seconds_and_the_purge_off_at_zero(tmp_path, monkeypatch):
    monkeypatch.setenv("CACHE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CACHE_USAGE_FLUSH_SECONDS", "0.5")
    monkeypatch.setenv("CACHE_PURGE_INTERVAL", "0")
    settings = Settings.from_env()
    assert (settings.usage_flush_interval, settings.purge_interval) == (0.5, 0)
    monkeypatch.setenv("CACHE_USAGE_FLUSH_SECONDS", "0")
    with pytest.raises(ConfigurationError, match="above 0"):
        Settings.from_env()
