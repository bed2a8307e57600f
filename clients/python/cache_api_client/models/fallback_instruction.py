from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.action import Action
    from ..models.aws_tts_phrase import AwsTTSPhrase
    from ..models.file_phrase import FilePhrase
    from ..models.google_tts_phrase import GoogleTTSPhrase


T = TypeVar("T", bound="FallbackInstruction")


@_attrs_define
class FallbackInstruction:
    """
    Attributes:
        action (Action): What the platform does with the call. Every field but `type` belongs to
            the generated call and applies only to `call`: they are refused on a
            `hangup`. `destAddr` is required on a `call`. Each SIP value is 1 to
            1024 characters without control characters.
        phrases (list[AwsTTSPhrase | FilePhrase | GoogleTTSPhrase] | Unset): Prompts played to the caller before the
            action runs.
    """

    action: Action
    phrases: list[AwsTTSPhrase | FilePhrase | GoogleTTSPhrase] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.file_phrase import FilePhrase  # noqa: PLC0415
        from ..models.google_tts_phrase import GoogleTTSPhrase  # noqa: PLC0415

        action = self.action.to_dict()

        phrases: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.phrases, Unset):
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

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "action": action,
            }
        )
        if phrases is not UNSET:
            field_dict["phrases"] = phrases

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.action import Action  # noqa: PLC0415
        from ..models.aws_tts_phrase import AwsTTSPhrase  # noqa: PLC0415
        from ..models.file_phrase import FilePhrase  # noqa: PLC0415
        from ..models.google_tts_phrase import GoogleTTSPhrase  # noqa: PLC0415

        d = dict(src_dict)
        action = Action.from_dict(d.pop("action"))

        _phrases = d.pop("phrases", UNSET)
        phrases: list[AwsTTSPhrase | FilePhrase | GoogleTTSPhrase] | Unset = UNSET
        if _phrases is not UNSET:
            phrases = []
            for phrases_item_data in _phrases:

                def _parse_phrases_item(
                    data: object,
                ) -> AwsTTSPhrase | FilePhrase | GoogleTTSPhrase:
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

        fallback_instruction = cls(
            action=action,
            phrases=phrases,
        )

        return fallback_instruction
