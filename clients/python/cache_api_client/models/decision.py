from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.decision_reason import DecisionReason
from ..models.mode import Mode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.fallback_instruction import FallbackInstruction


T = TypeVar("T", bound="Decision")


@_attrs_define
class Decision:
    """
    Attributes:
        apply (bool): Whether the platform runs the cached command for this call.
        reason (DecisionReason): Why the fallback applies or not. `always`: the entry's mode is
            `always`; `customer-failed`: an `onError` entry and the customer's
            system failed; `no-entry`: no unexpired entry; `customer-answered`: an
            `onError` entry and the customer's system answered or was not asked yet.
        mode (Mode | Unset): `always`: the platform runs the cached command for every call to the
            number without asking the customer's system. `onError`: it runs it only
            when the customer's system cannot be reached or fails.
        ttl (int | Unset): When the entry expires, in unix seconds (only when it applies).
        command (FallbackInstruction | Unset):
    """

    apply: bool
    reason: DecisionReason
    mode: Mode | Unset = UNSET
    ttl: int | Unset = UNSET
    command: FallbackInstruction | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        apply = self.apply

        reason = self.reason.value

        mode: str | Unset = UNSET
        if not isinstance(self.mode, Unset):
            mode = self.mode.value

        ttl = self.ttl

        command: dict[str, Any] | Unset = UNSET
        if not isinstance(self.command, Unset):
            command = self.command.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "apply": apply,
                "reason": reason,
            }
        )
        if mode is not UNSET:
            field_dict["mode"] = mode
        if ttl is not UNSET:
            field_dict["ttl"] = ttl
        if command is not UNSET:
            field_dict["command"] = command

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.fallback_instruction import FallbackInstruction  # noqa: PLC0415

        d = dict(src_dict)
        apply = d.pop("apply")

        reason = DecisionReason(d.pop("reason"))

        _mode = d.pop("mode", UNSET)
        mode: Mode | Unset
        if isinstance(_mode, Unset):
            mode = UNSET
        else:
            mode = Mode(_mode)

        ttl = d.pop("ttl", UNSET)

        _command = d.pop("command", UNSET)
        command: FallbackInstruction | Unset
        if isinstance(_command, Unset):
            command = UNSET
        else:
            command = FallbackInstruction.from_dict(_command)

        decision = cls(
            apply=apply,
            reason=reason,
            mode=mode,
            ttl=ttl,
            command=command,
        )

        return decision
