from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ImportResultsResultsItem")


@_attrs_define
class ImportResultsResultsItem:
    """
    Attributes:
        number (None | str): The entry's number; null when it has none.
        written (bool):
        detail (str | Unset): Why the entry was not written, naming the field (only when it was not).
    """

    number: None | str
    written: bool
    detail: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        number: None | str
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

        def _parse_number(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        number = _parse_number(d.pop("number"))

        written = d.pop("written")

        detail = d.pop("detail", UNSET)

        import_results_results_item = cls(
            number=number,
            written=written,
            detail=detail,
        )

        return import_results_results_item
