from enum import StrEnum


class Outcome(StrEnum):
    ANSWERED = "answered"
    ERROR = "error"
    INVALID = "invalid"
    NOT_ASKED = "not-asked"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"

    def __str__(self) -> str:
        return str(self.value)
