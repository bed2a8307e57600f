from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.version_action import VersionAction
from ..models.version_mode_type_1 import VersionModeType1
from ..models.version_mode_type_2_type_1 import VersionModeType2Type1
from ..models.version_mode_type_3_type_1 import VersionModeType3Type1

if TYPE_CHECKING:
    from ..models.version_command_type_0 import VersionCommandType0


T = TypeVar("T", bound="Version")


@_attrs_define
class Version:
    """
    Attributes:
        version (int):
        at (int): Unix seconds.
        by (None | str): The token's `sub` (1 to 255 characters; a token whose `sub` is anything else is refused with
            401); null for a token without one. No other claim (`uid` included) names the writer.
        action (VersionAction):
        mode (None | VersionModeType1 | VersionModeType2Type1 | VersionModeType3Type1): The entry's mode after the
            change; null after a delete.
        command (None | VersionCommandType0): The entry's command after the change, as posted; null after a delete.
        ttl (int | None): The entry's expiry after the change, unix seconds; null after a delete.
    """

    version: int
    at: int
    by: None | str
    action: VersionAction
    mode: None | VersionModeType1 | VersionModeType2Type1 | VersionModeType3Type1
    command: None | VersionCommandType0
    ttl: int | None

    def to_dict(self) -> dict[str, Any]:
        from ..models.version_command_type_0 import VersionCommandType0  # noqa: PLC0415

        version = self.version

        at = self.at

        by: None | str
        by = self.by

        action = self.action.value

        mode: None | str
        if isinstance(self.mode, VersionModeType1):
            mode = self.mode.value
        elif isinstance(self.mode, VersionModeType2Type1):
            mode = self.mode.value
        elif isinstance(self.mode, VersionModeType3Type1):
            mode = self.mode.value
        else:
            mode = self.mode

        command: dict[str, Any] | None
        if isinstance(self.command, VersionCommandType0):
            command = self.command.to_dict()
        else:
            command = self.command

        ttl: int | None
        ttl = self.ttl

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "version": version,
                "at": at,
                "by": by,
                "action": action,
                "mode": mode,
                "command": command,
                "ttl": ttl,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.version_command_type_0 import VersionCommandType0  # noqa: PLC0415

        d = dict(src_dict)
        version = d.pop("version")

        at = d.pop("at")

        def _parse_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        by = _parse_by(d.pop("by"))

        action = VersionAction(d.pop("action"))

        def _parse_mode(
            data: object,
        ) -> None | VersionModeType1 | VersionModeType2Type1 | VersionModeType3Type1:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                mode_type_1 = VersionModeType1(data)

                return mode_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                mode_type_2_type_1 = VersionModeType2Type1(data)

                return mode_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                mode_type_3_type_1 = VersionModeType3Type1(data)

                return mode_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None | VersionModeType1 | VersionModeType2Type1 | VersionModeType3Type1, data
            )

        mode = _parse_mode(d.pop("mode"))

        def _parse_command(data: object) -> None | VersionCommandType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                command_type_0 = VersionCommandType0.from_dict(data)

                return command_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | VersionCommandType0, data)

        command = _parse_command(d.pop("command"))

        def _parse_ttl(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        ttl = _parse_ttl(d.pop("ttl"))

        version = cls(
            version=version,
            at=at,
            by=by,
            action=action,
            mode=mode,
            command=command,
            ttl=ttl,
        )

        return version
