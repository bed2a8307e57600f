"""Contains all the data models used in inputs/outputs"""

from .action import Action
from .action_type import ActionType
from .aws_tts_parameters import AwsTTSParameters
from .aws_tts_phrase import AwsTTSPhrase
from .bulk_result import BulkResult
from .bulk_results import BulkResults
from .decision import Decision
from .decision_reason import DecisionReason
from .domain_usage import DomainUsage
from .domain_usage_top_item import DomainUsageTopItem
from .dry_run import DryRun
from .expiration_period import ExpirationPeriod
from .expiring import Expiring
from .expiring_data_item import ExpiringDataItem
from .expiring_data_item_cache import ExpiringDataItemCache
from .export_document import ExportDocument
from .export_entry import ExportEntry
from .fallback_entry import FallbackEntry
from .fallback_instruction import FallbackInstruction
from .fallback_object import FallbackObject
from .fallback_settings import FallbackSettings
from .field_error import FieldError
from .file_phrase import FilePhrase
from .google_tts_parameters import GoogleTTSParameters
from .google_tts_phrase import GoogleTTSPhrase
from .header_map import HeaderMap
from .history import History
from .import_document import ImportDocument
from .import_results import ImportResults
from .import_results_results_item import ImportResultsResultsItem
from .ivr_fallback_delete_entry_if_none_match import IvrFallbackDeleteEntryIfNoneMatch
from .ivr_fallback_set_entry_if_none_match import IvrFallbackSetEntryIfNoneMatch
from .manage_ivr_renew_if_none_match import ManageIvrRenewIfNoneMatch
from .manage_ivr_restore_if_none_match import ManageIvrRestoreIfNoneMatch
from .manage_ivr_usage_bucket import ManageIvrUsageBucket
from .manage_siprec_renew_if_none_match import ManageSiprecRenewIfNoneMatch
from .manage_usage_domain_usage_bucket import ManageUsageDomainUsageBucket
from .mode import Mode
from .number_list import NumberList
from .number_page import NumberPage
from .number_page_data_item import NumberPageDataItem
from .outcome import Outcome
from .preflight_answer import PreflightAnswer
from .problem import Problem
from .renew_settings import RenewSettings
from .renewed import Renewed
from .restore_settings import RestoreSettings
from .restored import Restored
from .sip_header import SipHeader
from .sip_header_source import SipHeaderSource
from .sip_header_uri_parameters import SipHeaderUriParameters
from .sip_header_user_parameters import SipHeaderUserParameters
from .sip_request_type_0 import SipRequestType0
from .sip_request_type_0_method import SipRequestType0Method
from .siprec_bulk_settings import SiprecBulkSettings
from .siprec_call_status import SiprecCallStatus
from .siprec_deleted import SiprecDeleted
from .siprec_settings import SiprecSettings
from .siprec_status import SiprecStatus
from .success import Success
from .usage import Usage
from .usage_bucket import UsageBucket
from .usage_bucket_outcomes import UsageBucketOutcomes
from .usage_last_outcome_type_1 import UsageLastOutcomeType1
from .usage_last_outcome_type_2_type_1 import UsageLastOutcomeType2Type1
from .usage_last_outcome_type_3_type_1 import UsageLastOutcomeType3Type1
from .version import Version
from .version_action import VersionAction
from .version_command_type_0 import VersionCommandType0
from .version_mode_type_1 import VersionModeType1
from .version_mode_type_2_type_1 import VersionModeType2Type1
from .version_mode_type_3_type_1 import VersionModeType3Type1

__all__ = (
    "Action",
    "ActionType",
    "AwsTTSParameters",
    "AwsTTSPhrase",
    "BulkResult",
    "BulkResults",
    "Decision",
    "DecisionReason",
    "DomainUsage",
    "DomainUsageTopItem",
    "DryRun",
    "ExpirationPeriod",
    "Expiring",
    "ExpiringDataItem",
    "ExpiringDataItemCache",
    "ExportDocument",
    "ExportEntry",
    "FallbackEntry",
    "FallbackInstruction",
    "FallbackObject",
    "FallbackSettings",
    "FieldError",
    "FilePhrase",
    "GoogleTTSParameters",
    "GoogleTTSPhrase",
    "HeaderMap",
    "History",
    "ImportDocument",
    "ImportResults",
    "ImportResultsResultsItem",
    "IvrFallbackDeleteEntryIfNoneMatch",
    "IvrFallbackSetEntryIfNoneMatch",
    "ManageIvrRenewIfNoneMatch",
    "ManageIvrRestoreIfNoneMatch",
    "ManageIvrUsageBucket",
    "ManageSiprecRenewIfNoneMatch",
    "ManageUsageDomainUsageBucket",
    "Mode",
    "NumberList",
    "NumberPage",
    "NumberPageDataItem",
    "Outcome",
    "PreflightAnswer",
    "Problem",
    "Renewed",
    "RenewSettings",
    "Restored",
    "RestoreSettings",
    "SipHeader",
    "SipHeaderSource",
    "SipHeaderUriParameters",
    "SipHeaderUserParameters",
    "SiprecBulkSettings",
    "SiprecCallStatus",
    "SiprecDeleted",
    "SiprecSettings",
    "SiprecStatus",
    "SipRequestType0",
    "SipRequestType0Method",
    "Success",
    "Usage",
    "UsageBucket",
    "UsageBucketOutcomes",
    "UsageLastOutcomeType1",
    "UsageLastOutcomeType2Type1",
    "UsageLastOutcomeType3Type1",
    "Version",
    "VersionAction",
    "VersionCommandType0",
    "VersionModeType1",
    "VersionModeType2Type1",
    "VersionModeType3Type1",
)
