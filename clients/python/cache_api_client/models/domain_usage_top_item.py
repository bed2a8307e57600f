from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="DomainUsageTopItem")


@_attrs_define
class DomainUsageTopItem:
    """
    Attributes:
        number (str):
        count (int):
    """

    number: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        number = self.number

        count = self.count

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "number": number,
                "count": count,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        number = d.pop("number")

        count = d.pop("count")

        domain_usage_top_item = cls(
            number=number,
            count=count,
        )

        return domain_usage_top_item
