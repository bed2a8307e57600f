from enum import StrEnum


class Mode(StrEnum):
    ALWAYS = "always"
    ONERROR = "onError"

    def __str__(self) -> str:
        return str(self.value)
