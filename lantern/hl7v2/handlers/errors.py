"""How a handler says a message cannot be applied: it raises Refusal, `process` answers."""

from __future__ import annotations

from lantern.hl7v2.contract import AckCode


class Refusal(Exception):
    """The message cannot be applied. `reason` is short and holds no health information (it
    goes into MSA-3, ERR and the error queue); `location` is ERR-2 ("PID^1^3")."""

    def __init__(self, reason: str, location: str = "", code: AckCode = AckCode.ERROR) -> None:
        super().__init__(reason)
        self.reason = reason
        self.location = location
        self.code = code
