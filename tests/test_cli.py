"""The operator's commands, on the embedded defaults of an instance folder."""

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from app import create_app
from app.cli import main
from tests.helpers import DOMAIN, bearer


@pytest.fixture
def instance(tmp_path, monkeypatch):
    monkeypatch.setenv("CACHE_INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path / "instance"


def run(*args) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_minted_token_is_accepted_by_the_server_on_embedded_defaults(instance):
    run("db", "upgrade")
    token = run("token", "--domain", DOMAIN)

    app = create_app()
    with app.test_client() as client:
        assert client.get(f"/cache/{DOMAIN}/ivrfallback", headers=bearer(token)).status_code == 200
        assert client.get("/cache/other.example/ivrfallback", headers=bearer(token)).status_code == 403
    assert (instance / "jwt-secret").stat().st_mode & 0o077 == 0


def test_token_scopes_and_ttl(instance):
    run("db", "upgrade")
    reader = run("token", "--domain", DOMAIN, "--scope", "cache/read", "--ttl", "60")
    with create_app().test_client() as client:
        assert client.get(f"/cache/{DOMAIN}/ivrfallback", headers=bearer(reader)).status_code == 200
        response = client.delete(f"/cache/{DOMAIN}/ivrfallback/1", headers=bearer(reader))
        assert response.status_code == 403


def test_token_refuses_unknown_scopes(instance):
    result = CliRunner().invoke(main, ["token", "--domain", DOMAIN, "--scope", "admin"])
    assert result.exit_code == 2


def test_purge_deletes_only_expired_entries(instance, frozen_clock):
    run("db", "upgrade")
    engine = create_engine(f"sqlite:///{instance / 'cache.sqlite3'}")
    now = frozen_clock.now
    with engine.begin() as connection:
        for number, expires_at in (("old", now - 1), ("edge", now), ("live", now + 1)):
            connection.execute(text(
                "INSERT INTO siprec_fallback (domain, number, expires_at, updated_at) "
                "VALUES ('example.com', :number, :expires_at, 0)"
            ), {"number": number, "expires_at": expires_at})
            connection.execute(text(
                "INSERT INTO ivr_fallback (domain, number, mode, command, expires_at, updated_at) "
                "VALUES ('example.com', :number, 'always', '{}', :expires_at, 0)"
            ), {"number": number, "expires_at": expires_at})

    result = CliRunner().invoke(main, ["purge", "--batch-size", "1"], catch_exceptions=False)

    assert result.exit_code == 0
    assert "purged 4" in result.output
    with engine.connect() as connection:
        for table in ("ivr_fallback", "siprec_fallback"):
            numbers = connection.execute(text(f"SELECT number FROM {table}")).scalars().all()
            assert numbers == ["live"]
    engine.dispose()


# Every integer option of the commands, and spellings int() takes that are not digits.
INTEGER_OPTIONS = [
    ("serve", "--port", "8080"),
    ("token", "--ttl", "60"),
    ("purge", "--batch-size", "10"),
    ("import", "--batch-size", "10"),
]


@pytest.mark.parametrize(("command", "option", "digits"), INTEGER_OPTIONS)
@pytest.mark.parametrize("spelling", ["{0}_{1}", "{f}", " {d}", "{d} ", "+{d}"])
def test_integer_options_take_plain_digits_only(instance, monkeypatch, command, option, digits,
                                                spelling):
    """`--ttl 6_0` or `--port ８０８０` is refused (exit 2, naming the option) before the
    command does anything."""
    import uvicorn

    served = []
    # A serve that took the value would serve for ever: say so instead.
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: served.append(kwargs))
    full_width = "".join(chr(ord(digit) - ord("0") + ord("０")) for digit in digits)
    value = spelling.format(digits[0], digits[1:], d=digits, f=full_width)
    extra = {"token": ["--domain", DOMAIN], "import": ["--domain", DOMAIN, "-"]}
    result = CliRunner().invoke(main, [command, option, value, *extra.get(command, [])],
                                input="")
    assert result.exit_code == 2, result.output
    assert option in result.output and "0-9" in result.output
    assert served == []


def test_purge_deletes_the_use_series_beyond_retention(instance, frozen_clock, monkeypatch):
    run("db", "upgrade")
    monkeypatch.setenv("CACHE_USAGE_DAYS", "30")
    engine = create_engine(f"sqlite:///{instance / 'cache.sqlite3'}")
    now = frozen_clock.now
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO ivr_fallback (domain, number, mode, command, expires_at, updated_at, "
            "created_version) VALUES ('example.com', 'n', 'always', '{}', :live, 0, 1)"
        ), {"live": now + 3600})
        for hour in (now - now % 3600 - 31 * 86_400, now - now % 3600):
            connection.execute(text(
                "INSERT INTO ivr_fallback_use (domain, number, entry_version, hour, outcome, "
                "count, last_at) VALUES ('example.com', 'n', 1, :hour, 'timeout', 2, :hour)"
            ), {"hour": hour})

    result = CliRunner().invoke(main, ["purge"], catch_exceptions=False)

    assert result.exit_code == 0
    assert "purged 1 rows of the use series beyond retention (30 days" in result.output
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM ivr_fallback_use")).scalar() == 1
        assert connection.execute(text("SELECT use_count FROM ivr_fallback")).scalar() == 2
    engine.dispose()
