"""The operators' kit: Debian's Prometheus and promtool, and the names the service exports."""

import pytest

from tests.operations.metric_names import exported_names


@pytest.fixture
def exported(client) -> set[str]:
    """The sample names of the service's metrics, from the real app's /metrics."""
    return exported_names(client.get("/metrics").text)
