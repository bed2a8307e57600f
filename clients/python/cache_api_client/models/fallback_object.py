from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.mode import Mode

if TYPE_CHECKING:
    from ..models.fallback_instruction import FallbackInstruction


T = TypeVar("T", bound="FallbackObject")


@_attrs_define
class FallbackObject:
    """
    Attributes:
        mode (Mode): `always`: the platform runs the cached command for every call to the
            number without asking the customer's system. `onError`: it runs it only
            when the customer's system cannot be reached or fails.
        ttl (int): The unix timestamp (seconds) at which the entry expires; what `expiration` resolved to.
        command (FallbackInstruction):
    """

    mode: Mode
    ttl: int
    command: FallbackInstruction

    def to_dict(self) -> dict[str, Any]:
        mode = self.mode.value

        ttl = self.ttl

        command = self.command.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "mode": mode,
                "ttl": ttl,
                "command": command,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.fallback_instruction import FallbackInstruction  # noqa: PLC0415

        d = dict(src_dict)
        mode = Mode(d.pop("mode"))

        ttl = d.pop("ttl")

        command = FallbackInstruction.from_dict(d.pop("command"))

        fallback_object = cls(
            mode=mode,
            ttl=ttl,
            command=command,
        )

        return fallback_object
