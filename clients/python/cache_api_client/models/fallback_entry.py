from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.fallback_object import FallbackObject


T = TypeVar("T", bound="FallbackEntry")


@_attrs_define
class FallbackEntry:
    """
    Attributes:
        data (FallbackObject):
        success (bool):
    """

    data: FallbackObject
    success: bool

    def to_dict(self) -> dict[str, Any]:
        data = self.data.to_dict()

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
        from ..models.fallback_object import FallbackObject  # noqa: PLC0415

        d = dict(src_dict)
        data = FallbackObject.from_dict(d.pop("data"))

        success = d.pop("success")

        fallback_entry = cls(
            data=data,
            success=success,
        )

        return fallback_entry
