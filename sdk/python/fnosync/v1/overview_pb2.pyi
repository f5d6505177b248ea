from fnosync.v1 import admin_pb2 as _admin_pb2
from fnosync.v1 import schedule_pb2 as _schedule_pb2
from fnosync.v1 import sync_pb2 as _sync_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetOverviewRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RecentCounts(_message.Message):
    __slots__ = ("runs", "completed_logs", "failed_logs", "error_logs")
    RUNS_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_LOGS_FIELD_NUMBER: _ClassVar[int]
    FAILED_LOGS_FIELD_NUMBER: _ClassVar[int]
    ERROR_LOGS_FIELD_NUMBER: _ClassVar[int]
    runs: int
    completed_logs: int
    failed_logs: int
    error_logs: int
    def __init__(self, runs: _Optional[int] = ..., completed_logs: _Optional[int] = ..., failed_logs: _Optional[int] = ..., error_logs: _Optional[int] = ...) -> None: ...

class GetOverviewResponse(_message.Message):
    __slots__ = ("license", "fno", "salesforce", "schedule", "last_run", "last_24_hours", "event_sync")
    LICENSE_FIELD_NUMBER: _ClassVar[int]
    FNO_FIELD_NUMBER: _ClassVar[int]
    SALESFORCE_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    LAST_RUN_FIELD_NUMBER: _ClassVar[int]
    LAST_24_HOURS_FIELD_NUMBER: _ClassVar[int]
    EVENT_SYNC_FIELD_NUMBER: _ClassVar[int]
    license: _admin_pb2.LicenseInfo
    fno: _admin_pb2.ConnectionStatus
    salesforce: _admin_pb2.ConnectionStatus
    schedule: _schedule_pb2.Schedule
    last_run: _sync_pb2.SyncRun
    last_24_hours: RecentCounts
    event_sync: _schedule_pb2.EventSync
    def __init__(self, license: _Optional[_Union[_admin_pb2.LicenseInfo, _Mapping]] = ..., fno: _Optional[_Union[_admin_pb2.ConnectionStatus, _Mapping]] = ..., salesforce: _Optional[_Union[_admin_pb2.ConnectionStatus, _Mapping]] = ..., schedule: _Optional[_Union[_schedule_pb2.Schedule, _Mapping]] = ..., last_run: _Optional[_Union[_sync_pb2.SyncRun, _Mapping]] = ..., last_24_hours: _Optional[_Union[RecentCounts, _Mapping]] = ..., event_sync: _Optional[_Union[_schedule_pb2.EventSync, _Mapping]] = ...) -> None: ...
