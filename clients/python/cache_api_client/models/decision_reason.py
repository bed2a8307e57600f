from enum import StrEnum


class DecisionReason(StrEnum):
    ALWAYS = "always"
    CUSTOMER_ANSWERED = "customer-answered"
    CUSTOMER_FAILED = "customer-failed"
    NO_ENTRY = "no-entry"

    def __str__(self) -> str:
        return str(self.value)
