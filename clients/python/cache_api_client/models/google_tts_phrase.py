from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.google_tts_parameters import GoogleTTSParameters


T = TypeVar("T", bound="GoogleTTSPhrase")


@_attrs_define
class GoogleTTSPhrase:
    """A text spoken by the Google text-to-speech engine.

    Attributes:
        google_tts_parameters (GoogleTTSParameters): Parameters for the Google text-to-speech engine, passed through. At
            most 64 entries; no `null`, NaN or Infinity, at any depth.
        format_ (str | Unset): The audio format of the prompt, e.g. `wav`.
        cache_time_to_live (str | Unset): How long the platform keeps the rendered prompt in its prompt cache.
        refresh_cache (bool | Unset): Render the prompt anew instead of using the prompt cache.
    """

    google_tts_parameters: GoogleTTSParameters
    format_: str | Unset = UNSET
    cache_time_to_live: str | Unset = UNSET
    refresh_cache: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        google_tts_parameters = self.google_tts_parameters.to_dict()

        format_ = self.format_

        cache_time_to_live = self.cache_time_to_live

        refresh_cache = self.refresh_cache

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "googleTTSParameters": google_tts_parameters,
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
        from ..models.google_tts_parameters import GoogleTTSParameters  # noqa: PLC0415

        d = dict(src_dict)
        google_tts_parameters = GoogleTTSParameters.from_dict(d.pop("googleTTSParameters"))

        format_ = d.pop("format", UNSET)

        cache_time_to_live = d.pop("cacheTimeToLive", UNSET)

        refresh_cache = d.pop("refreshCache", UNSET)

        google_tts_phrase = cls(
            google_tts_parameters=google_tts_parameters,
            format_=format_,
            cache_time_to_live=cache_time_to_live,
            refresh_cache=refresh_cache,
        )

        return google_tts_phrase
