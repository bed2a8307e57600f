from enum import StrEnum


class UsageLastOutcomeType1(StrEnum):
    ANSWERED = "answered"
    ERROR = "error"
    INVALID = "invalid"
    NOT_ASKED = "not-asked"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"

    def __str__(self) -> str:
        return str(self.value)
