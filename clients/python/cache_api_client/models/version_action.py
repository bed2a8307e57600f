from enum import StrEnum


class VersionAction(StrEnum):
    DELETE = "delete"
    IMPORT = "import"
    RENEW = "renew"
    RESTORE = "restore"
    SET = "set"

    def __str__(self) -> str:
        return str(self.value)
