from enum import StrEnum


class SipHeaderSource(StrEnum):
    CONTACTPARAMETERS = "contactParameters"
    COPYHEADERS = "copyHeaders"
    PHEADERS = "pHeaders"
    SIPDIVERSION = "sipDiversion"
    SIPFROM = "sipFrom"
    SIPPAI = "sipPAI"
    SIPRPID = "sipRPID"
    SIPTO = "sipTo"
    XHEADERS = "xHeaders"

    def __str__(self) -> str:
        return str(self.value)
