from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.domain_usage_top_item import DomainUsageTopItem
    from ..models.usage_bucket import UsageBucket


T = TypeVar("T", bound="DomainUsage")


@_attrs_define
class DomainUsage:
    """
    Attributes:
        series (list[UsageBucket]): One item per bucket that holds any use, oldest first.
        top (list[DomainUsageTopItem]): The numbers used most in the range, most first (then by number).
    """

    series: list[UsageBucket]
    top: list[DomainUsageTopItem]

    def to_dict(self) -> dict[str, Any]:
        series = []
        for componentsschemas_usage_series_item_data in self.series:
            componentsschemas_usage_series_item = componentsschemas_usage_series_item_data.to_dict()
            series.append(componentsschemas_usage_series_item)

        top = []
        for top_item_data in self.top:
            top_item = top_item_data.to_dict()
            top.append(top_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "series": series,
                "top": top,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.domain_usage_top_item import DomainUsageTopItem  # noqa: PLC0415
        from ..models.usage_bucket import UsageBucket  # noqa: PLC0415

        d = dict(src_dict)
        series = []
        _series = d.pop("series")
        for componentsschemas_usage_series_item_data in _series:
            componentsschemas_usage_series_item = UsageBucket.from_dict(
                componentsschemas_usage_series_item_data
            )

            series.append(componentsschemas_usage_series_item)

        top = []
        _top = d.pop("top")
        for top_item_data in _top:
            top_item = DomainUsageTopItem.from_dict(top_item_data)

            top.append(top_item)

        domain_usage = cls(
            series=series,
            top=top,
        )

        return domain_usage
