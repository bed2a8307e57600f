from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SiprecCallStatus")


@_attrs_define
class SiprecCallStatus:
    """
    Attributes:
        in_cache (bool):
        ttl (int | Unset): When the entry expires, in unix seconds (only when in the cache).
    """

    in_cache: bool
    ttl: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        in_cache = self.in_cache

        ttl = self.ttl

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "inCache": in_cache,
            }
        )
        if ttl is not UNSET:
            field_dict["ttl"] = ttl

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        in_cache = d.pop("inCache")

        ttl = d.pop("ttl", UNSET)

        siprec_call_status = cls(
            in_cache=in_cache,
            ttl=ttl,
        )

        return siprec_call_status
