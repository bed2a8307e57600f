"""One cluster for the whole scale-out session: building it costs more than most tests."""

import signal
import sys
from pathlib import Path

import httpx
import pytest

from tests.helpers import DOMAIN
from tests.scaleout.cluster import Cluster, missing_prerequisites
from tests.scaleout.load import AUTH, CALL, IVR, SEEDED_IVR, SEEDED_SIPREC

MISSING = missing_prerequisites()


def pytest_collection_modifyitems(items):
    if MISSING is not None:
        skip = pytest.mark.skip(reason=f"SKIPPED the scale-out tests: {MISSING}")
        here = Path(__file__).parent
        for item in items:
            if here in Path(item.path).parents:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def cluster():
    # A SIGTERM (a CI timeout) unwinds like an error, so the cluster is still torn down.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with Cluster() as cluster:
        print(f"\nscaleout cluster up: {sum(cluster.timings.values()):.1f} s "
              f"({', '.join(f'{step} {seconds}' for step, seconds in cluster.timings.items())})")
        with httpx.Client(base_url=cluster.url, headers=AUTH, timeout=10) as client:
            assert client.post(f"{IVR}/{SEEDED_IVR}", json=CALL).status_code == 200
            siprec = client.post(f"/platform/{DOMAIN}/siprecfallback/{SEEDED_SIPREC}")
            assert siprec.status_code == 200
        yield cluster
    signal.signal(signal.SIGTERM, previous)
