from enum import StrEnum


class SipRequestType0Method(StrEnum):
    INVITE = "INVITE"

    def __str__(self) -> str:
        return str(self.value)
