from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.usage_bucket_outcomes import UsageBucketOutcomes


T = TypeVar("T", bound="UsageBucket")


@_attrs_define
class UsageBucket:
    """
    Attributes:
        at (int): The bucket's start (a UTC hour or day), unix seconds.
        count (int):
        outcomes (UsageBucketOutcomes): The count per outcome; only the outcomes that occurred.
    """

    at: int
    count: int
    outcomes: UsageBucketOutcomes

    def to_dict(self) -> dict[str, Any]:
        at = self.at

        count = self.count

        outcomes = self.outcomes.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "at": at,
                "count": count,
                "outcomes": outcomes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage_bucket_outcomes import UsageBucketOutcomes  # noqa: PLC0415

        d = dict(src_dict)
        at = d.pop("at")

        count = d.pop("count")

        outcomes = UsageBucketOutcomes.from_dict(d.pop("outcomes"))

        usage_bucket = cls(
            at=at,
            count=count,
            outcomes=outcomes,
        )

        return usage_bucket
