from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.expiration_period import ExpirationPeriod
from ..types import UNSET, Unset

T = TypeVar("T", bound="SiprecSettings")


@_attrs_define
class SiprecSettings:
    """
    Attributes:
        expiration (ExpirationPeriod | float | Unset): When the fallback object should expire. This property can either
            be a
            string, in which case it behaves as a period of days from the moment of
            the request (`DAY` 1, `WEEK` 7, `MONTH` 30, `QUARTER` 91, `HALF-YEAR`
            182), or a number, in which case it behaves as a unix timestamp in
            seconds (a fraction is floored). A timestamp in the past, or more than
            ten years ahead (a timestamp in milliseconds by mistake), is refused.
            Defaults to `HALF-YEAR`.
    """

    expiration: ExpirationPeriod | float | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        expiration: float | str | Unset
        if isinstance(self.expiration, Unset):
            expiration = UNSET
        elif isinstance(self.expiration, ExpirationPeriod):
            expiration = self.expiration.value
        else:
            expiration = self.expiration

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if expiration is not UNSET:
            field_dict["expiration"] = expiration

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

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

        siprec_settings = cls(
            expiration=expiration,
        )

        return siprec_settings
