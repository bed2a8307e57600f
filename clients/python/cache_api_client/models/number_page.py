from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.number_page_data_item import NumberPageDataItem


T = TypeVar("T", bound="NumberPage")


@_attrs_define
class NumberPage:
    """
    Attributes:
        data (list[NumberPageDataItem]): The page's numbers, in plain string order.
        next_ (None | str): The last number of this page when more follow, to send as `after`
            for the next page; null on the last page.
        success (bool):
    """

    data: list[NumberPageDataItem]
    next_: None | str
    success: bool

    def to_dict(self) -> dict[str, Any]:
        data = []
        for data_item_data in self.data:
            data_item = data_item_data.to_dict()
            data.append(data_item)

        next_: None | str
        next_ = self.next_

        success = self.success

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "data": data,
                "next": next_,
                "success": success,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.number_page_data_item import NumberPageDataItem  # noqa: PLC0415

        d = dict(src_dict)
        data = []
        _data = d.pop("data")
        for data_item_data in _data:
            data_item = NumberPageDataItem.from_dict(data_item_data)

            data.append(data_item)

        def _parse_next_(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_ = _parse_next_(d.pop("next"))

        success = d.pop("success")

        number_page = cls(
            data=data,
            next_=next_,
            success=success,
        )

        return number_page
