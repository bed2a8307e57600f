from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="BulkResult")


@_attrs_define
class BulkResult:
    """
    Attributes:
        number (str):
        written (bool):
        detail (str | Unset): Why the item was not written (only when it was not).
    """

    number: str
    written: bool
    detail: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        number = self.number

        written = self.written

        detail = self.detail

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "number": number,
                "written": written,
            }
        )
        if detail is not UNSET:
            field_dict["detail"] = detail

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        number = d.pop("number")

        written = d.pop("written")

        detail = d.pop("detail", UNSET)

        bulk_result = cls(
            number=number,
            written=written,
            detail=detail,
        )

        return bulk_result
