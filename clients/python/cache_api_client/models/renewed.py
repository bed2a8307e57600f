from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="Renewed")


@_attrs_define
class Renewed:
    """
    Attributes:
        success (bool):
        ttl (int): Unix seconds.
    """

    success: bool
    ttl: int

    def to_dict(self) -> dict[str, Any]:
        success = self.success

        ttl = self.ttl

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "success": success,
                "ttl": ttl,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        success = d.pop("success")

        ttl = d.pop("ttl")

        renewed = cls(
            success=success,
            ttl=ttl,
        )

        return renewed
