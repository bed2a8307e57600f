from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UsageBucketOutcomes")


@_attrs_define
class UsageBucketOutcomes:
    """The count per outcome; only the outcomes that occurred.

    Attributes:
        not_asked (int | Unset):
        answered (int | Unset):
        timeout (int | Unset):
        error (int | Unset):
        unreachable (int | Unset):
        invalid (int | Unset):
    """

    not_asked: int | Unset = UNSET
    answered: int | Unset = UNSET
    timeout: int | Unset = UNSET
    error: int | Unset = UNSET
    unreachable: int | Unset = UNSET
    invalid: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        not_asked = self.not_asked

        answered = self.answered

        timeout = self.timeout

        error = self.error

        unreachable = self.unreachable

        invalid = self.invalid

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if not_asked is not UNSET:
            field_dict["not-asked"] = not_asked
        if answered is not UNSET:
            field_dict["answered"] = answered
        if timeout is not UNSET:
            field_dict["timeout"] = timeout
        if error is not UNSET:
            field_dict["error"] = error
        if unreachable is not UNSET:
            field_dict["unreachable"] = unreachable
        if invalid is not UNSET:
            field_dict["invalid"] = invalid

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        not_asked = d.pop("not-asked", UNSET)

        answered = d.pop("answered", UNSET)

        timeout = d.pop("timeout", UNSET)

        error = d.pop("error", UNSET)

        unreachable = d.pop("unreachable", UNSET)

        invalid = d.pop("invalid", UNSET)

        usage_bucket_outcomes = cls(
            not_asked=not_asked,
            answered=answered,
            timeout=timeout,
            error=error,
            unreachable=unreachable,
            invalid=invalid,
        )

        return usage_bucket_outcomes
