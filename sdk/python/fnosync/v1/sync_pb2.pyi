import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SyncKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SYNC_KIND_UNSPECIFIED: _ClassVar[SyncKind]
    SYNC_KIND_ONE_TIME: _ClassVar[SyncKind]
    SYNC_KIND_SCHEDULED: _ClassVar[SyncKind]
    SYNC_KIND_IMMEDIATE: _ClassVar[SyncKind]
    SYNC_KIND_EVENT: _ClassVar[SyncKind]
    SYNC_KIND_RETRY: _ClassVar[SyncKind]

class SyncRunState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SYNC_RUN_STATE_UNSPECIFIED: _ClassVar[SyncRunState]
    SYNC_RUN_STATE_QUEUED: _ClassVar[SyncRunState]
    SYNC_RUN_STATE_RUNNING: _ClassVar[SyncRunState]
    SYNC_RUN_STATE_COMPLETED: _ClassVar[SyncRunState]
    SYNC_RUN_STATE_COMPLETED_WITH_FAILURES: _ClassVar[SyncRunState]
    SYNC_RUN_STATE_FAILED: _ClassVar[SyncRunState]
    SYNC_RUN_STATE_CANCELLED: _ClassVar[SyncRunState]
    SYNC_RUN_STATE_PAUSED: _ClassVar[SyncRunState]

class PlannedAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLANNED_ACTION_UNSPECIFIED: _ClassVar[PlannedAction]
    PLANNED_ACTION_CREATE: _ClassVar[PlannedAction]
    PLANNED_ACTION_UPDATE: _ClassVar[PlannedAction]
    PLANNED_ACTION_RENEW: _ClassVar[PlannedAction]
    PLANNED_ACTION_OBSOLETE: _ClassVar[PlannedAction]
    PLANNED_ACTION_NOTHING: _ClassVar[PlannedAction]
    PLANNED_ACTION_FAIL: _ClassVar[PlannedAction]
SYNC_KIND_UNSPECIFIED: SyncKind
SYNC_KIND_ONE_TIME: SyncKind
SYNC_KIND_SCHEDULED: SyncKind
SYNC_KIND_IMMEDIATE: SyncKind
SYNC_KIND_EVENT: SyncKind
SYNC_KIND_RETRY: SyncKind
SYNC_RUN_STATE_UNSPECIFIED: SyncRunState
SYNC_RUN_STATE_QUEUED: SyncRunState
SYNC_RUN_STATE_RUNNING: SyncRunState
SYNC_RUN_STATE_COMPLETED: SyncRunState
SYNC_RUN_STATE_COMPLETED_WITH_FAILURES: SyncRunState
SYNC_RUN_STATE_FAILED: SyncRunState
SYNC_RUN_STATE_CANCELLED: SyncRunState
SYNC_RUN_STATE_PAUSED: SyncRunState
PLANNED_ACTION_UNSPECIFIED: PlannedAction
PLANNED_ACTION_CREATE: PlannedAction
PLANNED_ACTION_UPDATE: PlannedAction
PLANNED_ACTION_RENEW: PlannedAction
PLANNED_ACTION_OBSOLETE: PlannedAction
PLANNED_ACTION_NOTHING: PlannedAction
PLANNED_ACTION_FAIL: PlannedAction

class SyncRun(_message.Message):
    __slots__ = ("run_id", "kind", "state", "account_id", "window_start_time", "window_end_time", "records_total", "records_done", "records_failed", "requested_by", "message", "create_time", "start_time", "end_time", "account_ids", "retry_of")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_TIME_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_TIME_FIELD_NUMBER: _ClassVar[int]
    RECORDS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    RECORDS_DONE_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FAILED_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_IDS_FIELD_NUMBER: _ClassVar[int]
    RETRY_OF_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    kind: SyncKind
    state: SyncRunState
    account_id: str
    window_start_time: _timestamp_pb2.Timestamp
    window_end_time: _timestamp_pb2.Timestamp
    records_total: int
    records_done: int
    records_failed: int
    requested_by: str
    message: str
    create_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    account_ids: _containers.RepeatedScalarFieldContainer[str]
    retry_of: str
    def __init__(self, run_id: _Optional[str] = ..., kind: _Optional[_Union[SyncKind, str]] = ..., state: _Optional[_Union[SyncRunState, str]] = ..., account_id: _Optional[str] = ..., window_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., window_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., records_total: _Optional[int] = ..., records_done: _Optional[int] = ..., records_failed: _Optional[int] = ..., requested_by: _Optional[str] = ..., message: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., account_ids: _Optional[_Iterable[str]] = ..., retry_of: _Optional[str] = ...) -> None: ...

class SyncAccountRequest(_message.Message):
    __slots__ = ("account_id", "request_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    request_id: str
    def __init__(self, account_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class SyncAccountResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: SyncRun
    def __init__(self, run: _Optional[_Union[SyncRun, _Mapping]] = ...) -> None: ...

class DateRange(_message.Message):
    __slots__ = ("start_date", "end_date")
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    start_date: str
    end_date: str
    def __init__(self, start_date: _Optional[str] = ..., end_date: _Optional[str] = ...) -> None: ...

class StartImmediateSyncRequest(_message.Message):
    __slots__ = ("date_range", "last_hours", "request_id")
    DATE_RANGE_FIELD_NUMBER: _ClassVar[int]
    LAST_HOURS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    date_range: DateRange
    last_hours: int
    request_id: str
    def __init__(self, date_range: _Optional[_Union[DateRange, _Mapping]] = ..., last_hours: _Optional[int] = ..., request_id: _Optional[str] = ...) -> None: ...

class StartImmediateSyncResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: SyncRun
    def __init__(self, run: _Optional[_Union[SyncRun, _Mapping]] = ...) -> None: ...

class GetSyncRunRequest(_message.Message):
    __slots__ = ("run_id",)
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    def __init__(self, run_id: _Optional[str] = ...) -> None: ...

class GetSyncRunResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: SyncRun
    def __init__(self, run: _Optional[_Union[SyncRun, _Mapping]] = ...) -> None: ...

class ListSyncRunsRequest(_message.Message):
    __slots__ = ("kind", "state", "page_size", "page_token")
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    kind: SyncKind
    state: SyncRunState
    page_size: int
    page_token: str
    def __init__(self, kind: _Optional[_Union[SyncKind, str]] = ..., state: _Optional[_Union[SyncRunState, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSyncRunsResponse(_message.Message):
    __slots__ = ("runs", "next_page_token")
    RUNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    runs: _containers.RepeatedCompositeFieldContainer[SyncRun]
    next_page_token: str
    def __init__(self, runs: _Optional[_Iterable[_Union[SyncRun, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelSyncRunRequest(_message.Message):
    __slots__ = ("run_id",)
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    def __init__(self, run_id: _Optional[str] = ...) -> None: ...

class CancelSyncRunResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: SyncRun
    def __init__(self, run: _Optional[_Union[SyncRun, _Mapping]] = ...) -> None: ...

class ResumeSyncRunRequest(_message.Message):
    __slots__ = ("run_id",)
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    def __init__(self, run_id: _Optional[str] = ...) -> None: ...

class ResumeSyncRunResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: SyncRun
    def __init__(self, run: _Optional[_Union[SyncRun, _Mapping]] = ...) -> None: ...

class RetryFailedRecordsRequest(_message.Message):
    __slots__ = ("run_id", "request_id")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    request_id: str
    def __init__(self, run_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RetryFailedRecordsResponse(_message.Message):
    __slots__ = ("run", "failed_records")
    RUN_FIELD_NUMBER: _ClassVar[int]
    FAILED_RECORDS_FIELD_NUMBER: _ClassVar[int]
    run: SyncRun
    failed_records: int
    def __init__(self, run: _Optional[_Union[SyncRun, _Mapping]] = ..., failed_records: _Optional[int] = ...) -> None: ...

class WatchSyncRunRequest(_message.Message):
    __slots__ = ("run_id",)
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    def __init__(self, run_id: _Optional[str] = ...) -> None: ...

class WatchSyncRunResponse(_message.Message):
    __slots__ = ("run",)
    RUN_FIELD_NUMBER: _ClassVar[int]
    run: SyncRun
    def __init__(self, run: _Optional[_Union[SyncRun, _Mapping]] = ...) -> None: ...

class PlanSyncRequest(_message.Message):
    __slots__ = ("account_id", "date_range", "last_hours")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DATE_RANGE_FIELD_NUMBER: _ClassVar[int]
    LAST_HOURS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    date_range: DateRange
    last_hours: int
    def __init__(self, account_id: _Optional[str] = ..., date_range: _Optional[_Union[DateRange, _Mapping]] = ..., last_hours: _Optional[int] = ...) -> None: ...

class FieldChange(_message.Message):
    __slots__ = ("field", "old_value", "new_value")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    OLD_VALUE_FIELD_NUMBER: _ClassVar[int]
    NEW_VALUE_FIELD_NUMBER: _ClassVar[int]
    field: str
    old_value: str
    new_value: str
    def __init__(self, field: _Optional[str] = ..., old_value: _Optional[str] = ..., new_value: _Optional[str] = ...) -> None: ...

class PlannedRecord(_message.Message):
    __slots__ = ("object", "salesforce_id", "account_id", "action", "fno_id", "changes", "reason")
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    SALESFORCE_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FNO_ID_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    object: str
    salesforce_id: str
    account_id: str
    action: PlannedAction
    fno_id: str
    changes: _containers.RepeatedCompositeFieldContainer[FieldChange]
    reason: str
    def __init__(self, object: _Optional[str] = ..., salesforce_id: _Optional[str] = ..., account_id: _Optional[str] = ..., action: _Optional[_Union[PlannedAction, str]] = ..., fno_id: _Optional[str] = ..., changes: _Optional[_Iterable[_Union[FieldChange, _Mapping]]] = ..., reason: _Optional[str] = ...) -> None: ...

class PlanSyncResponse(_message.Message):
    __slots__ = ("account_ids", "records", "truncated")
    ACCOUNT_IDS_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    account_ids: _containers.RepeatedScalarFieldContainer[str]
    records: _containers.RepeatedCompositeFieldContainer[PlannedRecord]
    truncated: bool
    def __init__(self, account_ids: _Optional[_Iterable[str]] = ..., records: _Optional[_Iterable[_Union[PlannedRecord, _Mapping]]] = ..., truncated: _Optional[bool] = ...) -> None: ...
