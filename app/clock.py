"""The service's one source of the current time, so tests can move it."""

import time


def now() -> int:
    """Return the current unix time in whole seconds."""
    return int(time.time())
