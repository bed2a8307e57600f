from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.action_type import ActionType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.header_map import HeaderMap


T = TypeVar("T", bound="Action")


@_attrs_define
class Action:
    """What the platform does with the call. Every field but `type` belongs to
    the generated call and applies only to `call`: they are refused on a
    `hangup`. `destAddr` is required on a `call`. Each SIP value is 1 to
    1024 characters without control characters.

        Attributes:
            type_ (ActionType): `call` forwards the call to `destAddr`; `hangup` ends it.
            dest_addr (str | Unset): Where the call goes.
            sip_from (str | Unset): The From header of the generated call.
            sip_to (str | Unset): The To header of the generated call.
            sip_diversion (str | Unset): The Diversion header of the generated call.
            sip_pai (str | Unset): The P-Asserted-Identity header of the generated call.
            sip_rpid (str | Unset): The Remote-Party-ID header of the generated call.
            max_ring_time (int | Unset): Seconds to ring before giving up: 1 to 3600 (a rule of this
                service; the reference page sets no bounds).
            x_headers (HeaderMap | Unset): SIP header names (`xHeaders`, `pHeaders`) or URI parameter names
                (`contactParameters`, `contactUserParameters`) to values: at most 64
                entries, values at most 1024 characters without control characters.
            p_headers (HeaderMap | Unset): SIP header names (`xHeaders`, `pHeaders`) or URI parameter names
                (`contactParameters`, `contactUserParameters`) to values: at most 64
                entries, values at most 1024 characters without control characters.
            contact_parameters (HeaderMap | Unset): SIP header names (`xHeaders`, `pHeaders`) or URI parameter names
                (`contactParameters`, `contactUserParameters`) to values: at most 64
                entries, values at most 1024 characters without control characters.
            contact_user_parameters (HeaderMap | Unset): SIP header names (`xHeaders`, `pHeaders`) or URI parameter names
                (`contactParameters`, `contactUserParameters`) to values: at most 64
                entries, values at most 1024 characters without control characters.
            copy_headers (list[str] | Unset): Names of headers of the incoming call that are copied onto the generated call.
    """

    type_: ActionType
    dest_addr: str | Unset = UNSET
    sip_from: str | Unset = UNSET
    sip_to: str | Unset = UNSET
    sip_diversion: str | Unset = UNSET
    sip_pai: str | Unset = UNSET
    sip_rpid: str | Unset = UNSET
    max_ring_time: int | Unset = UNSET
    x_headers: HeaderMap | Unset = UNSET
    p_headers: HeaderMap | Unset = UNSET
    contact_parameters: HeaderMap | Unset = UNSET
    contact_user_parameters: HeaderMap | Unset = UNSET
    copy_headers: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        dest_addr = self.dest_addr

        sip_from = self.sip_from

        sip_to = self.sip_to

        sip_diversion = self.sip_diversion

        sip_pai = self.sip_pai

        sip_rpid = self.sip_rpid

        max_ring_time = self.max_ring_time

        x_headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.x_headers, Unset):
            x_headers = self.x_headers.to_dict()

        p_headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.p_headers, Unset):
            p_headers = self.p_headers.to_dict()

        contact_parameters: dict[str, Any] | Unset = UNSET
        if not isinstance(self.contact_parameters, Unset):
            contact_parameters = self.contact_parameters.to_dict()

        contact_user_parameters: dict[str, Any] | Unset = UNSET
        if not isinstance(self.contact_user_parameters, Unset):
            contact_user_parameters = self.contact_user_parameters.to_dict()

        copy_headers: list[str] | Unset = UNSET
        if not isinstance(self.copy_headers, Unset):
            copy_headers = self.copy_headers

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "type": type_,
            }
        )
        if dest_addr is not UNSET:
            field_dict["destAddr"] = dest_addr
        if sip_from is not UNSET:
            field_dict["sipFrom"] = sip_from
        if sip_to is not UNSET:
            field_dict["sipTo"] = sip_to
        if sip_diversion is not UNSET:
            field_dict["sipDiversion"] = sip_diversion
        if sip_pai is not UNSET:
            field_dict["sipPAI"] = sip_pai
        if sip_rpid is not UNSET:
            field_dict["sipRPID"] = sip_rpid
        if max_ring_time is not UNSET:
            field_dict["maxRingTime"] = max_ring_time
        if x_headers is not UNSET:
            field_dict["xHeaders"] = x_headers
        if p_headers is not UNSET:
            field_dict["pHeaders"] = p_headers
        if contact_parameters is not UNSET:
            field_dict["contactParameters"] = contact_parameters
        if contact_user_parameters is not UNSET:
            field_dict["contactUserParameters"] = contact_user_parameters
        if copy_headers is not UNSET:
            field_dict["copyHeaders"] = copy_headers

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.header_map import HeaderMap  # noqa: PLC0415

        d = dict(src_dict)
        type_ = ActionType(d.pop("type"))

        dest_addr = d.pop("destAddr", UNSET)

        sip_from = d.pop("sipFrom", UNSET)

        sip_to = d.pop("sipTo", UNSET)

        sip_diversion = d.pop("sipDiversion", UNSET)

        sip_pai = d.pop("sipPAI", UNSET)

        sip_rpid = d.pop("sipRPID", UNSET)

        max_ring_time = d.pop("maxRingTime", UNSET)

        _x_headers = d.pop("xHeaders", UNSET)
        x_headers: HeaderMap | Unset
        if isinstance(_x_headers, Unset):
            x_headers = UNSET
        else:
            x_headers = HeaderMap.from_dict(_x_headers)

        _p_headers = d.pop("pHeaders", UNSET)
        p_headers: HeaderMap | Unset
        if isinstance(_p_headers, Unset):
            p_headers = UNSET
        else:
            p_headers = HeaderMap.from_dict(_p_headers)

        _contact_parameters = d.pop("contactParameters", UNSET)
        contact_parameters: HeaderMap | Unset
        if isinstance(_contact_parameters, Unset):
            contact_parameters = UNSET
        else:
            contact_parameters = HeaderMap.from_dict(_contact_parameters)

        _contact_user_parameters = d.pop("contactUserParameters", UNSET)
        contact_user_parameters: HeaderMap | Unset
        if isinstance(_contact_user_parameters, Unset):
            contact_user_parameters = UNSET
        else:
            contact_user_parameters = HeaderMap.from_dict(_contact_user_parameters)

        copy_headers = cast(list[str], d.pop("copyHeaders", UNSET))

        action = cls(
            type_=type_,
            dest_addr=dest_addr,
            sip_from=sip_from,
            sip_to=sip_to,
            sip_diversion=sip_diversion,
            sip_pai=sip_pai,
            sip_rpid=sip_rpid,
            max_ring_time=max_ring_time,
            x_headers=x_headers,
            p_headers=p_headers,
            contact_parameters=contact_parameters,
            contact_user_parameters=contact_user_parameters,
            copy_headers=copy_headers,
        )

        return action
