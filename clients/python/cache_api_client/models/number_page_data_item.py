from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.mode import Mode

T = TypeVar("T", bound="NumberPageDataItem")


@_attrs_define
class NumberPageDataItem:
    """
    Attributes:
        number (str):
        mode (Mode): `always`: the platform runs the cached command for every call to the
            number without asking the customer's system. `onError`: it runs it only
            when the customer's system cannot be reached or fails.
        ttl (int): Unix seconds.
    """

    number: str
    mode: Mode
    ttl: int

    def to_dict(self) -> dict[str, Any]:
        number = self.number

        mode = self.mode.value

        ttl = self.ttl

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "number": number,
                "mode": mode,
                "ttl": ttl,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        number = d.pop("number")

        mode = Mode(d.pop("mode"))

        ttl = d.pop("ttl")

        number_page_data_item = cls(
            number=number,
            mode=mode,
            ttl=ttl,
        )

        return number_page_data_item
