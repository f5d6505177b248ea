import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ScheduleState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCHEDULE_STATE_UNSPECIFIED: _ClassVar[ScheduleState]
    SCHEDULE_STATE_ACTIVE: _ClassVar[ScheduleState]
    SCHEDULE_STATE_PAUSED: _ClassVar[ScheduleState]
SCHEDULE_STATE_UNSPECIFIED: ScheduleState
SCHEDULE_STATE_ACTIVE: ScheduleState
SCHEDULE_STATE_PAUSED: ScheduleState

class DailyTiming(_message.Message):
    __slots__ = ("time_of_day", "time_zone")
    TIME_OF_DAY_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    time_of_day: str
    time_zone: str
    def __init__(self, time_of_day: _Optional[str] = ..., time_zone: _Optional[str] = ...) -> None: ...

class CronTiming(_message.Message):
    __slots__ = ("expression", "time_zone")
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    expression: str
    time_zone: str
    def __init__(self, expression: _Optional[str] = ..., time_zone: _Optional[str] = ...) -> None: ...

class Schedule(_message.Message):
    __slots__ = ("name", "daily", "cron", "state", "last_fire_time", "next_fire_time", "create_time", "update_time", "held_reason")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DAILY_FIELD_NUMBER: _ClassVar[int]
    CRON_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LAST_FIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    NEXT_FIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    HELD_REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    daily: DailyTiming
    cron: CronTiming
    state: ScheduleState
    last_fire_time: _timestamp_pb2.Timestamp
    next_fire_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    held_reason: str
    def __init__(self, name: _Optional[str] = ..., daily: _Optional[_Union[DailyTiming, _Mapping]] = ..., cron: _Optional[_Union[CronTiming, _Mapping]] = ..., state: _Optional[_Union[ScheduleState, str]] = ..., last_fire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_fire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., held_reason: _Optional[str] = ...) -> None: ...

class GetScheduleRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetScheduleResponse(_message.Message):
    __slots__ = ("schedule",)
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    schedule: Schedule
    def __init__(self, schedule: _Optional[_Union[Schedule, _Mapping]] = ...) -> None: ...

class CreateScheduleRequest(_message.Message):
    __slots__ = ("daily", "cron", "request_id")
    DAILY_FIELD_NUMBER: _ClassVar[int]
    CRON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    daily: DailyTiming
    cron: CronTiming
    request_id: str
    def __init__(self, daily: _Optional[_Union[DailyTiming, _Mapping]] = ..., cron: _Optional[_Union[CronTiming, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateScheduleResponse(_message.Message):
    __slots__ = ("schedule",)
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    schedule: Schedule
    def __init__(self, schedule: _Optional[_Union[Schedule, _Mapping]] = ...) -> None: ...

class UpdateScheduleRequest(_message.Message):
    __slots__ = ("daily", "cron")
    DAILY_FIELD_NUMBER: _ClassVar[int]
    CRON_FIELD_NUMBER: _ClassVar[int]
    daily: DailyTiming
    cron: CronTiming
    def __init__(self, daily: _Optional[_Union[DailyTiming, _Mapping]] = ..., cron: _Optional[_Union[CronTiming, _Mapping]] = ...) -> None: ...

class UpdateScheduleResponse(_message.Message):
    __slots__ = ("schedule",)
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    schedule: Schedule
    def __init__(self, schedule: _Optional[_Union[Schedule, _Mapping]] = ...) -> None: ...

class PauseScheduleRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PauseScheduleResponse(_message.Message):
    __slots__ = ("schedule",)
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    schedule: Schedule
    def __init__(self, schedule: _Optional[_Union[Schedule, _Mapping]] = ...) -> None: ...

class ResumeScheduleRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ResumeScheduleResponse(_message.Message):
    __slots__ = ("schedule",)
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    schedule: Schedule
    def __init__(self, schedule: _Optional[_Union[Schedule, _Mapping]] = ...) -> None: ...

class DeleteScheduleRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteScheduleResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class EventSync(_message.Message):
    __slots__ = ("objects", "pubsub_url", "connected", "holder", "last_commit_time", "lag_seconds", "last_replay_id", "events_received", "events_coalesced", "own_events", "runs_queued", "fallbacks", "last_fallback", "last_fallback_time", "last_error", "heartbeat_time", "channel", "records_read_again")
    OBJECTS_FIELD_NUMBER: _ClassVar[int]
    PUBSUB_URL_FIELD_NUMBER: _ClassVar[int]
    CONNECTED_FIELD_NUMBER: _ClassVar[int]
    HOLDER_FIELD_NUMBER: _ClassVar[int]
    LAST_COMMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    LAG_SECONDS_FIELD_NUMBER: _ClassVar[int]
    LAST_REPLAY_ID_FIELD_NUMBER: _ClassVar[int]
    EVENTS_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    EVENTS_COALESCED_FIELD_NUMBER: _ClassVar[int]
    OWN_EVENTS_FIELD_NUMBER: _ClassVar[int]
    RUNS_QUEUED_FIELD_NUMBER: _ClassVar[int]
    FALLBACKS_FIELD_NUMBER: _ClassVar[int]
    LAST_FALLBACK_FIELD_NUMBER: _ClassVar[int]
    LAST_FALLBACK_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_TIME_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    RECORDS_READ_AGAIN_FIELD_NUMBER: _ClassVar[int]
    objects: _containers.RepeatedScalarFieldContainer[str]
    pubsub_url: str
    connected: bool
    holder: str
    last_commit_time: _timestamp_pb2.Timestamp
    lag_seconds: float
    last_replay_id: str
    events_received: int
    events_coalesced: int
    own_events: int
    runs_queued: int
    fallbacks: int
    last_fallback: str
    last_fallback_time: _timestamp_pb2.Timestamp
    last_error: str
    heartbeat_time: _timestamp_pb2.Timestamp
    channel: str
    records_read_again: int
    def __init__(self, objects: _Optional[_Iterable[str]] = ..., pubsub_url: _Optional[str] = ..., connected: _Optional[bool] = ..., holder: _Optional[str] = ..., last_commit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lag_seconds: _Optional[float] = ..., last_replay_id: _Optional[str] = ..., events_received: _Optional[int] = ..., events_coalesced: _Optional[int] = ..., own_events: _Optional[int] = ..., runs_queued: _Optional[int] = ..., fallbacks: _Optional[int] = ..., last_fallback: _Optional[str] = ..., last_fallback_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_error: _Optional[str] = ..., heartbeat_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., channel: _Optional[str] = ..., records_read_again: _Optional[int] = ...) -> None: ...

class GetEventSyncRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetEventSyncResponse(_message.Message):
    __slots__ = ("event_sync",)
    EVENT_SYNC_FIELD_NUMBER: _ClassVar[int]
    event_sync: EventSync
    def __init__(self, event_sync: _Optional[_Union[EventSync, _Mapping]] = ...) -> None: ...

class UpdateEventSyncRequest(_message.Message):
    __slots__ = ("objects", "pubsub_url")
    OBJECTS_FIELD_NUMBER: _ClassVar[int]
    PUBSUB_URL_FIELD_NUMBER: _ClassVar[int]
    objects: _containers.RepeatedScalarFieldContainer[str]
    pubsub_url: str
    def __init__(self, objects: _Optional[_Iterable[str]] = ..., pubsub_url: _Optional[str] = ...) -> None: ...

class UpdateEventSyncResponse(_message.Message):
    __slots__ = ("event_sync",)
    EVENT_SYNC_FIELD_NUMBER: _ClassVar[int]
    event_sync: EventSync
    def __init__(self, event_sync: _Optional[_Union[EventSync, _Mapping]] = ...) -> None: ...
