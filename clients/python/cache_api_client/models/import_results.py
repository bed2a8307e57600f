from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.import_results_results_item import ImportResultsResultsItem


T = TypeVar("T", bound="ImportResults")


@_attrs_define
class ImportResults:
    """
    Attributes:
        success (bool): Whether every entry was written (with dryRun, is valid).
        results (list[ImportResultsResultsItem]): One result per entry, in the order sent.
    """

    success: bool
    results: list[ImportResultsResultsItem]

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
        from ..models.import_results_results_item import ImportResultsResultsItem  # noqa: PLC0415

        d = dict(src_dict)
        success = d.pop("success")

        results = []
        _results = d.pop("results")
        for results_item_data in _results:
            results_item = ImportResultsResultsItem.from_dict(results_item_data)

            results.append(results_item)

        import_results = cls(
            success=success,
            results=results,
        )

        return import_results
