from enum import StrEnum


class VersionModeType2Type1(StrEnum):
    ALWAYS = "always"
    ONERROR = "onError"

    def __str__(self) -> str:
        return str(self.value)
