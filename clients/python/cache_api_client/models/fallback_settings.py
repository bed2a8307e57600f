from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.expiration_period import ExpirationPeriod
from ..models.mode import Mode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.fallback_instruction import FallbackInstruction


T = TypeVar("T", bound="FallbackSettings")


@_attrs_define
class FallbackSettings:
    """The body of a POST; it may nest at most 32 levels deep.

    Attributes:
        mode (Mode): `always`: the platform runs the cached command for every call to the
            number without asking the customer's system. `onError`: it runs it only
            when the customer's system cannot be reached or fails.
        command (FallbackInstruction):
        expiration (ExpirationPeriod | float | Unset): When the fallback object should expire. This property can either
            be a
            string, in which case it behaves as a period of days from the moment of
            the request (`DAY` 1, `WEEK` 7, `MONTH` 30, `QUARTER` 91, `HALF-YEAR`
            182), or a number, in which case it behaves as a unix timestamp in
            seconds (a fraction is floored). A timestamp in the past, or more than
            ten years ahead (a timestamp in milliseconds by mistake), is refused.
            Defaults to `HALF-YEAR`.
    """

    mode: Mode
    command: FallbackInstruction
    expiration: ExpirationPeriod | float | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        mode = self.mode.value

        command = self.command.to_dict()

        expiration: float | str | Unset
        if isinstance(self.expiration, Unset):
            expiration = UNSET
        elif isinstance(self.expiration, ExpirationPeriod):
            expiration = self.expiration.value
        else:
            expiration = self.expiration

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "mode": mode,
                "command": command,
            }
        )
        if expiration is not UNSET:
            field_dict["expiration"] = expiration

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.fallback_instruction import FallbackInstruction  # noqa: PLC0415

        d = dict(src_dict)
        mode = Mode(d.pop("mode"))

        command = FallbackInstruction.from_dict(d.pop("command"))

        def _parse_expiration(data: object) -> ExpirationPeriod | float | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                componentsschemas_expiration_type_0 = ExpirationPeriod(data)

                return componentsschemas_expiration_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ExpirationPeriod | float | Unset, data)

        expiration = _parse_expiration(d.pop("expiration", UNSET))

        fallback_settings = cls(
            mode=mode,
            command=command,
            expiration=expiration,
        )

        return fallback_settings
