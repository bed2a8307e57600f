from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="SiprecDeleted")


@_attrs_define
class SiprecDeleted:
    """
    Attributes:
        deleted (bool): Indicates whether the number was deleted from the cache or
            not. Attempts to delete non-existing number will return false.
    """

    deleted: bool

    def to_dict(self) -> dict[str, Any]:
        deleted = self.deleted

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "deleted": deleted,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        deleted = d.pop("deleted")

        siprec_deleted = cls(
            deleted=deleted,
        )

        return siprec_deleted
