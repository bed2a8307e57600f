"""Resolve an `expiration` (a period name or a unix timestamp) to an expiry instant."""

import math

DAY_SECONDS = 86_400
PERIOD_DAYS = {"DAY": 1, "WEEK": 7, "MONTH": 30, "QUARTER": 91, "HALF-YEAR": 182}
DEFAULT = "HALF-YEAR"
# A timestamp further ahead than this is almost surely in milliseconds.
MAX_AHEAD_SECONDS = int(10 * 365.25 * DAY_SECONDS)


class ExpirationError(ValueError):
    """The expiration cannot be accepted; the message says why."""


def resolve(expiration: str | int | float, now: int) -> int:
    """Return the unix time in whole seconds at which an entry set at `now` expires."""
    if isinstance(expiration, str):
        if expiration not in PERIOD_DAYS:
            raise ExpirationError(
                f"must be one of {', '.join(PERIOD_DAYS)} or a unix timestamp in seconds"
            )
        return now + PERIOD_DAYS[expiration] * DAY_SECONDS
    if isinstance(expiration, bool) or not isinstance(expiration, (int, float)):
        raise ExpirationError("must be a period name or a unix timestamp in seconds")
    # Only a float can be infinite or NaN; isfinite() overflows on an int like 10**400.
    if isinstance(expiration, float) and not math.isfinite(expiration):
        raise ExpirationError("must be a finite unix timestamp in seconds")
    expires_at = math.floor(expiration)
    if expires_at <= now:
        raise ExpirationError(
            f"the timestamp {expires_at} is not in the future (now is {now})"
        )
    if expires_at - now > MAX_AHEAD_SECONDS:
        raise ExpirationError(
            f"the timestamp {expires_at} is more than ten years away; "
            "it looks like milliseconds, send unix seconds"
        )
    return expires_at
