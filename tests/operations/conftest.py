"""The operators' kit: Debian's Prometheus and promtool, and the names the service exports."""

import shutil

import pytest

from tests.operations.metric_names import exported_names

PROMTOOL, PROMETHEUS = shutil.which("promtool"), shutil.which("prometheus")
needs_prometheus = pytest.mark.skipif(
    not (PROMTOOL and PROMETHEUS),
    reason="SKIPPED the Prometheus tests: promtool and prometheus not found "
           "(Debian's package: apt-get install prometheus; .ci/run installs it)",
)


@pytest.fixture
def exported(client) -> set[str]:
    """The sample names of the service's metrics, from the real app's /metrics."""
    return exported_names(client.get("/metrics").text)
