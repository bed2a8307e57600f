from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="FilePhrase")


@_attrs_define
class FilePhrase:
    """A pre-recorded file played to the caller.

    Attributes:
        file_name (str): The file to play.
        format_ (str | Unset): The audio format of the prompt, e.g. `wav`.
        cache_time_to_live (str | Unset): How long the platform keeps the rendered prompt in its prompt cache.
        refresh_cache (bool | Unset): Render the prompt anew instead of using the prompt cache.
    """

    file_name: str
    format_: str | Unset = UNSET
    cache_time_to_live: str | Unset = UNSET
    refresh_cache: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        file_name = self.file_name

        format_ = self.format_

        cache_time_to_live = self.cache_time_to_live

        refresh_cache = self.refresh_cache

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "fileName": file_name,
            }
        )
        if format_ is not UNSET:
            field_dict["format"] = format_
        if cache_time_to_live is not UNSET:
            field_dict["cacheTimeToLive"] = cache_time_to_live
        if refresh_cache is not UNSET:
            field_dict["refreshCache"] = refresh_cache

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        file_name = d.pop("fileName")

        format_ = d.pop("format", UNSET)

        cache_time_to_live = d.pop("cacheTimeToLive", UNSET)

        refresh_cache = d.pop("refreshCache", UNSET)

        file_phrase = cls(
            file_name=file_name,
            format_=format_,
            cache_time_to_live=cache_time_to_live,
            refresh_cache=refresh_cache,
        )

        return file_phrase
