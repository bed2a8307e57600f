from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.usage_last_outcome_type_1 import UsageLastOutcomeType1
from ..models.usage_last_outcome_type_2_type_1 import UsageLastOutcomeType2Type1
from ..models.usage_last_outcome_type_3_type_1 import UsageLastOutcomeType3Type1

T = TypeVar("T", bound="Usage")


@_attrs_define
class Usage:
    """
    Attributes:
        count (int):
        last_used_at (int | None): When last applied, unix seconds; null if never.
        last_outcome (None | UsageLastOutcomeType1 | UsageLastOutcomeType2Type1 | UsageLastOutcomeType3Type1): The
            outcome of the last call it applied to; null if never.
    """

    count: int
    last_used_at: int | None
    last_outcome: (
        None | UsageLastOutcomeType1 | UsageLastOutcomeType2Type1 | UsageLastOutcomeType3Type1
    )

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

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "count": count,
                "lastUsedAt": last_used_at,
                "lastOutcome": last_outcome,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
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

        usage = cls(
            count=count,
            last_used_at=last_used_at,
            last_outcome=last_outcome,
        )

        return usage
