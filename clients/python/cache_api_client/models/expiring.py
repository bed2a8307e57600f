from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.expiring_data_item import ExpiringDataItem


T = TypeVar("T", bound="Expiring")


@_attrs_define
class Expiring:
    """
    Attributes:
        data (list[ExpiringDataItem]):
        success (bool):
    """

    data: list[ExpiringDataItem]
    success: bool

    def to_dict(self) -> dict[str, Any]:
        data = []
        for data_item_data in self.data:
            data_item = data_item_data.to_dict()
            data.append(data_item)

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
        from ..models.expiring_data_item import ExpiringDataItem  # noqa: PLC0415

        d = dict(src_dict)
        data = []
        _data = d.pop("data")
        for data_item_data in _data:
            data_item = ExpiringDataItem.from_dict(data_item_data)

            data.append(data_item)

        success = d.pop("success")

        expiring = cls(
            data=data,
            success=success,
        )

        return expiring
