from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.expiring_data_item_cache import ExpiringDataItemCache

T = TypeVar("T", bound="ExpiringDataItem")


@_attrs_define
class ExpiringDataItem:
    """
    Attributes:
        cache (ExpiringDataItemCache):
        number (str):
        ttl (int): Unix seconds.
    """

    cache: ExpiringDataItemCache
    number: str
    ttl: int

    def to_dict(self) -> dict[str, Any]:
        cache = self.cache.value

        number = self.number

        ttl = self.ttl

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "cache": cache,
                "number": number,
                "ttl": ttl,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        cache = ExpiringDataItemCache(d.pop("cache"))

        number = d.pop("number")

        ttl = d.pop("ttl")

        expiring_data_item = cls(
            cache=cache,
            number=number,
            ttl=ttl,
        )

        return expiring_data_item
