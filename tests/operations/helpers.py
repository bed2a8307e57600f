"""Debian's Prometheus and promtool, and the mark that skips a test without them."""

import shutil

import pytest

PROMTOOL, PROMETHEUS = shutil.which("promtool"), shutil.which("prometheus")
needs_prometheus = pytest.mark.skipif(
    not (PROMTOOL and PROMETHEUS),
    reason="SKIPPED the Prometheus tests: promtool and prometheus not found "
           "(Debian's package: apt-get install prometheus; .ci/run installs it)",
)
