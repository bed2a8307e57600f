from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.bulk_result import BulkResult


T = TypeVar("T", bound="BulkResults")


@_attrs_define
class BulkResults:
    """
    Attributes:
        success (bool): Whether every item was written.
        results (list[BulkResult]): One result per item, in the order sent.
    """

    success: bool
    results: list[BulkResult]

    def to_dict(self) -> dict[str, Any]:
        success = self.success

        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "success": success,
                "results": results,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.bulk_result import BulkResult  # noqa: PLC0415

        d = dict(src_dict)
        success = d.pop("success")

        results = []
        _results = d.pop("results")
        for results_item_data in _results:
            results_item = BulkResult.from_dict(results_item_data)

            results.append(results_item)

        bulk_results = cls(
            success=success,
            results=results,
        )

        return bulk_results
