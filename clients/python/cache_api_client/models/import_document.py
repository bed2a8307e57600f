from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="ImportDocument")


@_attrs_define
class ImportDocument:
    """
    Attributes:
        entries (list[Any]): 1 to 10,000 entries, each `{"number", "mode", "command"}` with
            `ttl` or `expiration` (default `HALF-YEAR`), judged one by one
            by the rules of the public POST (`FallbackSettings` and its body
            limit); an entry
            that is not even an object is refused alone too.
    """

    entries: list[Any]

    def to_dict(self) -> dict[str, Any]:
        entries = self.entries

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "entries": entries,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        entries = cast(list[Any], d.pop("entries"))

        import_document = cls(
            entries=entries,
        )

        return import_document
