"""`cache-api export`, `cache-api import` and the history retention of `cache-api purge`."""

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.storage import history
from app.cli import main
from app.storage.models import IvrFallback, IvrFallbackHistory
from tests.helpers import DOMAIN

HANGUP = {"action": {"type": "hangup"}}


@pytest.fixture
def on_test_database(database_url, monkeypatch):
    monkeypatch.setenv("CACHE_DATABASE_URL", database_url)


def invoke(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def entry(number: str, now: int, **fields) -> dict:
    return {"number": number, "mode": "always", "command": HANGUP, "ttl": now + 3600, **fields}


@pytest.mark.usefixtures("on_test_database")
class TestExportImport:
    def test_import_then_export_round_trips(self, frozen_clock, engine, tmp_path):
        now = frozen_clock.now
        document = {"entries": [entry(str(n), now) for n in range(1200)]}
        path = tmp_path / "entries.json"
        path.write_text(json.dumps(document))

        imported = invoke("import", "--domain", "Example.COM", str(path), "--sub", "ops")
        assert imported.exit_code == 0, imported.output
        assert "1200 of 1200 entries written" in imported.stderr
        exported = invoke("export", "--domain", DOMAIN)
        assert exported.exit_code == 0
        assert json.loads(exported.stdout) == {
            "entries": sorted(document["entries"], key=lambda item: item["number"])}
        with Session(engine) as session:
            rows = session.execute(select(IvrFallbackHistory.by, IvrFallbackHistory.action,
                                          func.count()).group_by(IvrFallbackHistory.by,
                                                                 IvrFallbackHistory.action)).all()
        assert [tuple(row) for row in rows] == [("ops", "import", 1200)]

    def test_refused_entries_are_reported_and_the_rest_written(self, frozen_clock, engine):
        now = frozen_clock.now
        document = {"entries": [entry("1", now), entry("2", now, mode="never"),
                                entry("3", now, ttl=now - 5)]}
        result = invoke("import", "--domain", DOMAIN, "-", input=json.dumps(document))
        assert result.exit_code == 1
        assert "entry 1 (2): mode:" in result.stderr
        assert "entry 2 (3): ttl:" in result.stderr
        assert "1 of 3 entries written" in result.stderr
        with Session(engine) as session:
            assert session.scalars(select(IvrFallback.number)).all() == ["1"]

    def test_an_entry_over_the_public_posts_body_limit_is_refused(self, frozen_clock,
                                                                    stored):
        speaking = {"action": {"type": "hangup"},
                    "phrases": [{"awsTTSParameters": {"Text": "t" * 7_000_000}}]}
        document = {"entries": [entry("1", frozen_clock.now, command=speaking),
                                entry("2", frozen_clock.now)]}
        result = invoke("import", "--domain", DOMAIN, "-", input=json.dumps(document))
        assert result.exit_code == 1
        assert "entry 0 (1): item: over 64 KiB" in result.stderr
        assert [row[1] for row in stored()["ivr_fallback"]] == ["2"]

    def test_the_last_copy_of_a_number_counts(self, frozen_clock, stored):
        document = {"entries": [entry("1", frozen_clock.now), entry("1", frozen_clock.now,
                                                                    mode="never")]}
        result = invoke("import", "--domain", DOMAIN, "-", input=json.dumps(document))
        assert result.exit_code == 1
        assert "entry 0 (1): number: listed again as item 1, the copy that counts, which " \
               "is refused" in result.stderr
        assert "entry 1 (1): mode:" in result.stderr
        assert stored()["ivr_fallback"] == []

    def test_dry_run_writes_nothing(self, frozen_clock, stored):
        document = {"entries": [entry("1", frozen_clock.now)]}
        result = invoke("import", "--domain", DOMAIN, "--dry-run", "-", input=json.dumps(document))
        assert result.exit_code == 0
        assert "nothing written" in result.stderr
        assert stored()["ivr_fallback"] == []

    @pytest.mark.parametrize("content, message", [
        ("not json", "not JSON"), ('{"entries": 1}', "entries"), ("[]", "entries"),
        ('{"entries": [], "entries": []}', "repeats"),
    ])
    def test_a_malformed_file_is_refused_whole(self, stored, content, message):
        result = CliRunner().invoke(main, ["import", "--domain", DOMAIN, "-"], input=content)
        assert result.exit_code != 0
        assert message in result.output
        assert stored()["ivr_fallback"] == []

    def test_a_bad_domain_is_refused(self):
        result = CliRunner().invoke(main, ["export", "--domain", "bad_domain!"])
        assert result.exit_code == 2 and "not a domain name" in result.output


def write_versions(engine, number: str, count: int, start: int, step: int) -> None:
    with Session(engine) as session:
        for index in range(count):
            history.set_entry(session, DOMAIN, number,
                              history.Change("always", HANGUP, start + 10 ** 8),
                              by="t", now=start + index * step)


def kept(engine) -> dict[str, list[int]]:
    with Session(engine) as session:
        rows = session.execute(select(IvrFallbackHistory.number, IvrFallbackHistory.version)
                               .order_by(IvrFallbackHistory.number, IvrFallbackHistory.version))
        result: dict[str, list[int]] = {}
        for number, version in rows:
            result.setdefault(number, []).append(version)
        return result


@pytest.mark.usefixtures("on_test_database")
def test_purge_keeps_the_newest_versions_within_the_days(engine, frozen_clock, monkeypatch):
    now = frozen_clock.now
    day = 86_400
    write_versions(engine, "many", 8, now, 1)              # 8 recent versions
    write_versions(engine, "old", 3, now - 30 * day, day)  # 3 versions, a month old
    monkeypatch.setenv("CACHE_HISTORY_VERSIONS", "5")
    monkeypatch.setenv("CACHE_HISTORY_DAYS", "7")

    result = invoke("purge", "--batch-size", "2")

    assert result.exit_code == 0
    assert "purged 5 history versions" in result.stderr
    # The newest 5 of "many"; of "old", only its newest (always kept).
    assert kept(engine) == {"many": [4, 5, 6, 7, 8], "old": [3]}
    # Numbering goes on after a purge: versions never repeat.
    write_versions(engine, "old", 1, now, 1)
    assert kept(engine)["old"] == [3, 4]


def test_retention_settings_are_checked(monkeypatch):
    from app.config import ConfigurationError, Settings

    monkeypatch.setenv("CACHE_HISTORY_DAYS", "0")
    with pytest.raises(ConfigurationError, match="CACHE_HISTORY_DAYS"):
        Settings.from_env()
