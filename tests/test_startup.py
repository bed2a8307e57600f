"""The server never creates tables itself, and says what to do when the schema is behind."""

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

import app as app_package
from app import create_app
from app.config import ConfigurationError
from app.storage.migrate import SchemaNotAtHead
from tests.live_server import ROOT, free_port


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


def _started(command: list[str], env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run a server command that is expected to refuse to start; return how it ended."""
    base = {name: value for name, value in os.environ.items() if not name.startswith("CACHE_")}
    return subprocess.run(command, cwd=ROOT, env={**base, **env}, capture_output=True,
                          text=True, timeout=timeout)


def _assert_refused_in_one_line(answer, *mentions: str, processes: int = 1) -> None:
    """Exited non-zero, with no traceback of ours, the reason in one line (in each of up to
    `processes` processes that met it)."""
    output = answer.stdout + answer.stderr
    assert answer.returncode != 0, output
    assert "exc_info" not in output, output
    if processes > 1:
        output = _without_gunicorns_second_halt(output)
    assert "Traceback" not in output, output
    reasons = [line.split('"message": ')[-1] for line in output.splitlines()
               if "cannot start" in line]
    assert 1 <= len(reasons) <= processes and len(set(reasons)) == 1, output
    for mention in mentions:
        assert mention in reasons[0], output


OUR_CODE = str(Path(app_package.__file__).parent) + os.sep


def _without_gunicorns_second_halt(output: str) -> str:
    """gunicorn's arbiter, halting for one worker that failed to boot, meets the next one
    while it stops and raises its HaltServer again, uncaught (a long-standing gunicorn
    behaviour, reported as CTFd/CTFd#637 among others): a traceback of gunicorn's own,
    printed when two workers refuse at once. Cut it out, and only it: a frame of ours in
    it stays, and fails the test."""
    lines = output.splitlines()
    if "Traceback" in output and lines[-1].startswith("gunicorn.errors.HaltServer"):
        start = next(i for i, line in enumerate(lines) if line.startswith("Traceback"))
        tail = lines[start:]
        if not any(OUR_CODE in line or 'wsgi.py' in line for line in tail):
            return "\n".join(lines[:start])
    return output


# gunicorn's master checks before any worker; "worker" runs gunicorn.conf.py without that
# hook, so that the worker's own refusal is what is seen (a database changed since).
WORKER_ONLY_CONFIG = """
import runpy
globals().update(runpy.run_path({path!r}))
del on_starting
"""


@pytest.mark.parametrize("who", ["master", "worker"])
def test_gunicorn_on_a_database_not_migrated_says_so_in_one_line_and_exits(
        tmp_path, empty_database_url, who):
    config = "gunicorn.conf.py"
    if who == "worker":
        config = tmp_path / "worker-only.conf.py"
        config.write_text(WORKER_ONLY_CONFIG.format(path=str(ROOT / "gunicorn.conf.py")))
    answer = _started(
        [sys.executable, "-m", "gunicorn", "-c", str(config), "wsgi:app"],
        {"CACHE_DATABASE_URL": empty_database_url, "CACHE_INSTANCE_PATH": str(tmp_path),
         "CACHE_JWT_SECRET": "s" * 40, "CACHE_BIND": f"127.0.0.1:{free_port()}",
         "WEB_CONCURRENCY": "2"},
    )
    _assert_refused_in_one_line(answer, "cache-api db upgrade", "revision none",
                                processes=2 if who == "worker" else 1)
    if who == "worker":
        assert "Booting worker" in answer.stderr  # the hook was indeed left out
        assert "Worker failed to boot" in answer.stderr
    else:
        assert "Booting worker" not in answer.stderr


def test_cache_api_serve_on_a_database_not_migrated_says_so_in_one_line_and_exits(
        tmp_path, empty_database_url):
    answer = _started(
        [str(Path(sys.executable).parent / "cache-api"), "serve", "--port", str(free_port())],
        {"CACHE_DATABASE_URL": empty_database_url, "CACHE_INSTANCE_PATH": str(tmp_path)},
    )
    _assert_refused_in_one_line(answer, "cache-api db upgrade")
    assert answer.returncode == 1


@pytest.mark.parametrize("server", ["gunicorn", "serve"])
def test_a_server_refuses_a_trusted_proxy_it_cannot_use_in_one_line(tmp_path, database_url, server):
    command = ([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
               if server == "gunicorn"
               else [str(Path(sys.executable).parent / "cache-api"), "serve", "--port",
                     str(free_port())])
    answer = _started(command, {
        "CACHE_DATABASE_URL": database_url, "CACHE_INSTANCE_PATH": str(tmp_path),
        "CACHE_TRUSTED_PROXIES": "*", "CACHE_BIND": f"127.0.0.1:{free_port()}",
    })
    _assert_refused_in_one_line(answer, "CACHE_TRUSTED_PROXIES", "'*'")


# (gunicorn reads WEB_CONCURRENCY itself first, with int(): "two" is its own traceback.)
@pytest.mark.parametrize("name, value", [("WEB_CONCURRENCY", "2_0"), ("CACHE_WORKER_TIMEOUT", "1_0"),
                                         ("CACHE_WORKER_TIMEOUT", "0"),
                                         ("CACHE_GRACEFUL_TIMEOUT", "３０")])
def test_gunicorn_refuses_a_worker_setting_that_is_not_a_whole_number_in_one_line(
        tmp_path, database_url, name, value):
    answer = _started([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], {
        "CACHE_DATABASE_URL": database_url, "CACHE_INSTANCE_PATH": str(tmp_path),
        "CACHE_BIND": f"127.0.0.1:{free_port()}", name: value,
    })
    _assert_refused_in_one_line(answer, name, repr(value))


def test_the_master_s_check_lets_an_unreachable_database_pass(monkeypatch, tmp_path):
    """The app starts without its database (503s until it is back), so the check before
    the workers must not refuse it either."""
    from app import check_can_start

    monkeypatch.setenv("CACHE_DATABASE_URL",
                       f"postgresql+psycopg://cache@127.0.0.1:{free_port()}/x")
    monkeypatch.setenv("CACHE_JWT_SECRET", "s" * 40)
    monkeypatch.setenv("CACHE_INSTANCE_PATH", str(tmp_path))
    check_can_start()


def test_the_master_s_check_refuses_what_create_app_refuses(monkeypatch, tmp_path,
                                                             empty_database_url):
    from app import check_can_start

    monkeypatch.setenv("CACHE_DATABASE_URL", empty_database_url)
    monkeypatch.setenv("CACHE_JWT_SECRET", "s" * 40)
    monkeypatch.setenv("CACHE_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(SchemaNotAtHead, match="cache-api db upgrade"):
        check_can_start()
    monkeypatch.setenv("CACHE_JWT_SECRET", "short")
    with pytest.raises(ConfigurationError, match="CACHE_JWT_SECRET"):
        check_can_start()
