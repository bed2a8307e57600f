"""The writes' statements are compiled once: SQLAlchemy's cache serves every write after the
first (a statement with its rows inside, `.values([rows])`, has no cache key and was
compiled on every write, more than half of a write's CPU)."""

import pytest
from sqlalchemy import event

from app.storage import db
from tests.helpers import DOMAIN, calling


@pytest.fixture
def statements(app):
    """The cache verdicts of the statements the app runs, as they run."""
    seen = []
    engine = db.engine_of(app.app)  # the Flask app inside Connexion's

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((context.cache_hit, statement.split()[0]))

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("write", ["post", "post If-Match", "delete", "renew", "restore",
                                   "import"])
def test_a_write_after_the_first_compiles_nothing(client, auth, statements, write):
    def run(number: str):
        path = f"/cache/{DOMAIN}/ivrfallback/{number}"
        assert client.post(path, json=calling(), headers=auth).status_code == 200
        statements.clear()
        if write == "post":
            response = client.post(path, json=calling(), headers=auth)
        elif write == "post If-Match":
            response = client.post(path, json=calling(), headers={**auth, "If-Match": '"1"'})
        elif write == "delete":
            response = client.delete(path, headers=auth)
        elif write == "renew":
            response = client.post(f"/manage/{DOMAIN}/ivrfallback/{number}/renew", json={},
                                   headers=auth)
        elif write == "restore":
            response = client.post(f"/manage/{DOMAIN}/ivrfallback/{number}/restore",
                                   json={"version": 1}, headers=auth)
        else:
            body = {"entries": [{"number": number, "expiration": "WEEK", **calling()}]}
            response = client.post(f"/manage/{DOMAIN}/ivrfallback/import", json=body,
                                   headers=auth)
        assert response.status_code == 200 and response.json()["success"], response.text

    run("1")  # compiles
    run("2")
    verdicts = [(str(hit), verb) for hit, verb in statements]
    assert verdicts and all(hit == "CacheStats.CACHE_HIT" or verb in ("BEGIN", "COMMIT")
                            for hit, verb in verdicts), verdicts
