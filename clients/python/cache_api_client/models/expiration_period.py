from enum import StrEnum


class ExpirationPeriod(StrEnum):
    DAY = "DAY"
    HALF_YEAR = "HALF-YEAR"
    MONTH = "MONTH"
    QUARTER = "QUARTER"
    WEEK = "WEEK"

    def __str__(self) -> str:
        return str(self.value)
