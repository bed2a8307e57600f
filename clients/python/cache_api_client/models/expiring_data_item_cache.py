from enum import StrEnum


class ExpiringDataItemCache(StrEnum):
    IVR = "ivr"
    SIPREC = "siprec"

    def __str__(self) -> str:
        return str(self.value)
