from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.decision_reason import DecisionReason
from ..models.mode import Mode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.fallback_instruction import FallbackInstruction
    from ..models.sip_request_type_0 import SipRequestType0


T = TypeVar("T", bound="DryRun")


@_attrs_define
class DryRun:
    """
    Attributes:
        apply (bool): Whether the platform would run the cached command for this call.
        reason (DecisionReason): Why the fallback applies or not. `always`: the entry's mode is
            `always`; `customer-failed`: an `onError` entry and the customer's
            system failed; `no-entry`: no unexpired entry; `customer-answered`: an
            `onError` entry and the customer's system answered or was not asked yet.
        sip_request (None | SipRequestType0): The INVITE of the generated call; null when no call is made.
        mode (Mode | Unset): `always`: the platform runs the cached command for every call to the
            number without asking the customer's system. `onError`: it runs it only
            when the customer's system cannot be reached or fails.
        ttl (int | Unset): Unix seconds.
        command (FallbackInstruction | Unset):
    """

    apply: bool
    reason: DecisionReason
    sip_request: None | SipRequestType0
    mode: Mode | Unset = UNSET
    ttl: int | Unset = UNSET
    command: FallbackInstruction | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.sip_request_type_0 import SipRequestType0  # noqa: PLC0415

        apply = self.apply

        reason = self.reason.value

        sip_request: dict[str, Any] | None
        if isinstance(self.sip_request, SipRequestType0):
            sip_request = self.sip_request.to_dict()
        else:
            sip_request = self.sip_request

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
                "sipRequest": sip_request,
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
        from ..models.sip_request_type_0 import SipRequestType0  # noqa: PLC0415

        d = dict(src_dict)
        apply = d.pop("apply")

        reason = DecisionReason(d.pop("reason"))

        def _parse_sip_request(data: object) -> None | SipRequestType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_sip_request_type_0 = SipRequestType0.from_dict(data)

                return componentsschemas_sip_request_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SipRequestType0, data)

        sip_request = _parse_sip_request(d.pop("sipRequest"))

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

        dry_run = cls(
            apply=apply,
            reason=reason,
            sip_request=sip_request,
            mode=mode,
            ttl=ttl,
            command=command,
        )

        return dry_run
