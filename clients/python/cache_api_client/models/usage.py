from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.usage_last_outcome_type_1 import UsageLastOutcomeType1
from ..models.usage_last_outcome_type_2_type_1 import UsageLastOutcomeType2Type1
from ..models.usage_last_outcome_type_3_type_1 import UsageLastOutcomeType3Type1
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.usage_bucket import UsageBucket


T = TypeVar("T", bound="Usage")


@_attrs_define
class Usage:
    """
    Attributes:
        count (int):
        last_used_at (int | None): When last applied, unix seconds; null if never.
        last_outcome (None | UsageLastOutcomeType1 | UsageLastOutcomeType2Type1 | UsageLastOutcomeType3Type1): The
            outcome of the last call it applied to; null if never. Of calls in
            the same second with different outcomes, any one may be the last.
        series (list[UsageBucket] | Unset): One item per bucket that holds any use, oldest first.
    """

    count: int
    last_used_at: int | None
    last_outcome: (
        None | UsageLastOutcomeType1 | UsageLastOutcomeType2Type1 | UsageLastOutcomeType3Type1
    )
    series: list[UsageBucket] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        count = self.count

        last_used_at: int | None
        last_used_at = self.last_used_at

        last_outcome: None | str
        if isinstance(self.last_outcome, UsageLastOutcomeType1):
            last_outcome = self.last_outcome.value
        elif isinstance(self.last_outcome, UsageLastOutcomeType2Type1):
            last_outcome = self.last_outcome.value
        elif isinstance(self.last_outcome, UsageLastOutcomeType3Type1):
            last_outcome = self.last_outcome.value
        else:
            last_outcome = self.last_outcome

        series: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.series, Unset):
            series = []
            for componentsschemas_usage_series_item_data in self.series:
                componentsschemas_usage_series_item = (
                    componentsschemas_usage_series_item_data.to_dict()
                )
                series.append(componentsschemas_usage_series_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "count": count,
                "lastUsedAt": last_used_at,
                "lastOutcome": last_outcome,
            }
        )
        if series is not UNSET:
            field_dict["series"] = series

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage_bucket import UsageBucket  # noqa: PLC0415

        d = dict(src_dict)
        count = d.pop("count")

        def _parse_last_used_at(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        last_used_at = _parse_last_used_at(d.pop("lastUsedAt"))

        def _parse_last_outcome(
            data: object,
        ) -> None | UsageLastOutcomeType1 | UsageLastOutcomeType2Type1 | UsageLastOutcomeType3Type1:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_outcome_type_1 = UsageLastOutcomeType1(data)

                return last_outcome_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_outcome_type_2_type_1 = UsageLastOutcomeType2Type1(data)

                return last_outcome_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_outcome_type_3_type_1 = UsageLastOutcomeType3Type1(data)

                return last_outcome_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None
                | UsageLastOutcomeType1
                | UsageLastOutcomeType2Type1
                | UsageLastOutcomeType3Type1,
                data,
            )

        last_outcome = _parse_last_outcome(d.pop("lastOutcome"))

        _series = d.pop("series", UNSET)
        series: list[UsageBucket] | Unset = UNSET
        if _series is not UNSET:
            series = []
            for componentsschemas_usage_series_item_data in _series:
                componentsschemas_usage_series_item = UsageBucket.from_dict(
                    componentsschemas_usage_series_item_data
                )

                series.append(componentsschemas_usage_series_item)

        usage = cls(
            count=count,
            last_used_at=last_used_at,
            last_outcome=last_outcome,
            series=series,
        )

        return usage
