from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.sip_header_source import SipHeaderSource
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.sip_header_uri_parameters import SipHeaderUriParameters
    from ..models.sip_header_user_parameters import SipHeaderUserParameters


T = TypeVar("T", bound="SipHeader")


@_attrs_define
class SipHeader:
    """
    Attributes:
        name (str):
        source (SipHeaderSource): The command field the header comes from.
        value (str | Unset): The header's value (absent for Contact and copied headers).
        copied_from_incoming_call (bool | Unset): The value is copied from the incoming call (`copyHeaders`).
        user_parameters (SipHeaderUserParameters | Unset): Contact only - parameters of the Contact URI's user part.
        uri_parameters (SipHeaderUriParameters | Unset): Contact only - parameters of the Contact URI.
    """

    name: str
    source: SipHeaderSource
    value: str | Unset = UNSET
    copied_from_incoming_call: bool | Unset = UNSET
    user_parameters: SipHeaderUserParameters | Unset = UNSET
    uri_parameters: SipHeaderUriParameters | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        source = self.source.value

        value = self.value

        copied_from_incoming_call = self.copied_from_incoming_call

        user_parameters: dict[str, Any] | Unset = UNSET
        if not isinstance(self.user_parameters, Unset):
            user_parameters = self.user_parameters.to_dict()

        uri_parameters: dict[str, Any] | Unset = UNSET
        if not isinstance(self.uri_parameters, Unset):
            uri_parameters = self.uri_parameters.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "source": source,
            }
        )
        if value is not UNSET:
            field_dict["value"] = value
        if copied_from_incoming_call is not UNSET:
            field_dict["copiedFromIncomingCall"] = copied_from_incoming_call
        if user_parameters is not UNSET:
            field_dict["userParameters"] = user_parameters
        if uri_parameters is not UNSET:
            field_dict["uriParameters"] = uri_parameters

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.sip_header_uri_parameters import SipHeaderUriParameters  # noqa: PLC0415
        from ..models.sip_header_user_parameters import SipHeaderUserParameters  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        source = SipHeaderSource(d.pop("source"))

        value = d.pop("value", UNSET)

        copied_from_incoming_call = d.pop("copiedFromIncomingCall", UNSET)

        _user_parameters = d.pop("userParameters", UNSET)
        user_parameters: SipHeaderUserParameters | Unset
        if isinstance(_user_parameters, Unset):
            user_parameters = UNSET
        else:
            user_parameters = SipHeaderUserParameters.from_dict(_user_parameters)

        _uri_parameters = d.pop("uriParameters", UNSET)
        uri_parameters: SipHeaderUriParameters | Unset
        if isinstance(_uri_parameters, Unset):
            uri_parameters = UNSET
        else:
            uri_parameters = SipHeaderUriParameters.from_dict(_uri_parameters)

        sip_header = cls(
            name=name,
            source=source,
            value=value,
            copied_from_incoming_call=copied_from_incoming_call,
            user_parameters=user_parameters,
            uri_parameters=uri_parameters,
        )

        return sip_header
