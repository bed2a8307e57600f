from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="SiprecStatus")


@_attrs_define
class SiprecStatus:
    """
    Attributes:
        in_cache (bool): Indicates whether the number is persistent in the cache or not.
    """

    in_cache: bool

    def to_dict(self) -> dict[str, Any]:
        in_cache = self.in_cache

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "inCache": in_cache,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        in_cache = d.pop("inCache")

        siprec_status = cls(
            in_cache=in_cache,
        )

        return siprec_status
