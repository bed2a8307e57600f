from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="NumberList")


@_attrs_define
class NumberList:
    """
    Attributes:
        data (list[str]): An array containing the keys (numbers) of fallback objects currently stored
        success (bool):
    """

    data: list[str]
    success: bool

    def to_dict(self) -> dict[str, Any]:
        data = self.data

        success = self.success

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "data": data,
                "success": success,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        data = cast(list[str], d.pop("data"))

        success = d.pop("success")

        number_list = cls(
            data=data,
            success=success,
        )

        return number_list
