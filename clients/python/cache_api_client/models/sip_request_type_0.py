from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.sip_request_type_0_method import SipRequestType0Method

if TYPE_CHECKING:
    from ..models.aws_tts_phrase import AwsTTSPhrase
    from ..models.file_phrase import FilePhrase
    from ..models.google_tts_phrase import GoogleTTSPhrase
    from ..models.sip_header import SipHeader


T = TypeVar("T", bound="SipRequestType0")


@_attrs_define
class SipRequestType0:
    """The INVITE of the generated call; null when no call is made.

    Attributes:
        method (SipRequestType0Method):
        target (str): The request line's target, the command's `destAddr`.
        headers (list[SipHeader]): The headers the command adds, in the order added.
        phrases (list[AwsTTSPhrase | FilePhrase | GoogleTTSPhrase]): The prompts played before the call, in the order
            played.
        max_ring_time (int | None): Seconds the call rings before the platform gives up (null - its default).
    """

    method: SipRequestType0Method
    target: str
    headers: list[SipHeader]
    phrases: list[AwsTTSPhrase | FilePhrase | GoogleTTSPhrase]
    max_ring_time: int | None

    def to_dict(self) -> dict[str, Any]:
        from ..models.file_phrase import FilePhrase  # noqa: PLC0415
        from ..models.google_tts_phrase import GoogleTTSPhrase  # noqa: PLC0415

        method = self.method.value

        target = self.target

        headers = []
        for headers_item_data in self.headers:
            headers_item = headers_item_data.to_dict()
            headers.append(headers_item)

        phrases = []
        for phrases_item_data in self.phrases:
            phrases_item: dict[str, Any]
            if isinstance(phrases_item_data, FilePhrase):
                phrases_item = phrases_item_data.to_dict()
            elif isinstance(phrases_item_data, GoogleTTSPhrase):
                phrases_item = phrases_item_data.to_dict()
            else:
                phrases_item = phrases_item_data.to_dict()

            phrases.append(phrases_item)

        max_ring_time: int | None
        max_ring_time = self.max_ring_time

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "method": method,
                "target": target,
                "headers": headers,
                "phrases": phrases,
                "maxRingTime": max_ring_time,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.aws_tts_phrase import AwsTTSPhrase  # noqa: PLC0415
        from ..models.file_phrase import FilePhrase  # noqa: PLC0415
        from ..models.google_tts_phrase import GoogleTTSPhrase  # noqa: PLC0415
        from ..models.sip_header import SipHeader  # noqa: PLC0415

        d = dict(src_dict)
        method = SipRequestType0Method(d.pop("method"))

        target = d.pop("target")

        headers = []
        _headers = d.pop("headers")
        for headers_item_data in _headers:
            headers_item = SipHeader.from_dict(headers_item_data)

            headers.append(headers_item)

        phrases = []
        _phrases = d.pop("phrases")
        for phrases_item_data in _phrases:

            def _parse_phrases_item(data: object) -> AwsTTSPhrase | FilePhrase | GoogleTTSPhrase:
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_phrase_type_0 = FilePhrase.from_dict(data)

                    return componentsschemas_phrase_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_phrase_type_1 = GoogleTTSPhrase.from_dict(data)

                    return componentsschemas_phrase_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_phrase_type_2 = AwsTTSPhrase.from_dict(data)

                return componentsschemas_phrase_type_2

            phrases_item = _parse_phrases_item(phrases_item_data)

            phrases.append(phrases_item)

        def _parse_max_ring_time(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_ring_time = _parse_max_ring_time(d.pop("maxRingTime"))

        sip_request_type_0 = cls(
            method=method,
            target=target,
            headers=headers,
            phrases=phrases,
            max_ring_time=max_ring_time,
        )

        return sip_request_type_0
