from enum import StrEnum


class ActionType(StrEnum):
    CALL = "call"
    HANGUP = "hangup"

    def __str__(self) -> str:
        return str(self.value)
