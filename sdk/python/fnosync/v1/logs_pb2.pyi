import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TransactionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSACTION_STATUS_UNSPECIFIED: _ClassVar[TransactionStatus]
    TRANSACTION_STATUS_COMPLETED: _ClassVar[TransactionStatus]
    TRANSACTION_STATUS_FAILED: _ClassVar[TransactionStatus]
    TRANSACTION_STATUS_ERROR: _ClassVar[TransactionStatus]
TRANSACTION_STATUS_UNSPECIFIED: TransactionStatus
TRANSACTION_STATUS_COMPLETED: TransactionStatus
TRANSACTION_STATUS_FAILED: TransactionStatus
TRANSACTION_STATUS_ERROR: TransactionStatus

class ErrorLog(_message.Message):
    __slots__ = ("error_number", "component", "reason", "message", "salesforce_record_id", "task_id")
    ERROR_NUMBER_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SALESFORCE_RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    error_number: str
    component: str
    reason: str
    message: str
    salesforce_record_id: str
    task_id: str
    def __init__(self, error_number: _Optional[str] = ..., component: _Optional[str] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., salesforce_record_id: _Optional[str] = ..., task_id: _Optional[str] = ...) -> None: ...

class TransactionLog(_message.Message):
    __slots__ = ("log_number", "task_id", "create_time", "name", "description", "status", "run_by", "salesforce_record_id", "error_log")
    LOG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RUN_BY_FIELD_NUMBER: _ClassVar[int]
    SALESFORCE_RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_LOG_FIELD_NUMBER: _ClassVar[int]
    log_number: str
    task_id: str
    create_time: _timestamp_pb2.Timestamp
    name: str
    description: str
    status: TransactionStatus
    run_by: str
    salesforce_record_id: str
    error_log: ErrorLog
    def __init__(self, log_number: _Optional[str] = ..., task_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., status: _Optional[_Union[TransactionStatus, str]] = ..., run_by: _Optional[str] = ..., salesforce_record_id: _Optional[str] = ..., error_log: _Optional[_Union[ErrorLog, _Mapping]] = ...) -> None: ...

class ListTransactionLogsRequest(_message.Message):
    __slots__ = ("task_id", "status", "name", "salesforce_record_id", "start_time", "end_time", "page_size", "page_token")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SALESFORCE_RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    status: TransactionStatus
    name: str
    salesforce_record_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, task_id: _Optional[str] = ..., status: _Optional[_Union[TransactionStatus, str]] = ..., name: _Optional[str] = ..., salesforce_record_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTransactionLogsResponse(_message.Message):
    __slots__ = ("transaction_logs", "next_page_token")
    TRANSACTION_LOGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    transaction_logs: _containers.RepeatedCompositeFieldContainer[TransactionLog]
    next_page_token: str
    def __init__(self, transaction_logs: _Optional[_Iterable[_Union[TransactionLog, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetTransactionLogRequest(_message.Message):
    __slots__ = ("log_number",)
    LOG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    log_number: str
    def __init__(self, log_number: _Optional[str] = ...) -> None: ...

class GetTransactionLogResponse(_message.Message):
    __slots__ = ("transaction_log",)
    TRANSACTION_LOG_FIELD_NUMBER: _ClassVar[int]
    transaction_log: TransactionLog
    def __init__(self, transaction_log: _Optional[_Union[TransactionLog, _Mapping]] = ...) -> None: ...

class TailTransactionLogsRequest(_message.Message):
    __slots__ = ("after_log_number", "task_id", "status", "follow", "salesforce_record_id")
    AFTER_LOG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_FIELD_NUMBER: _ClassVar[int]
    SALESFORCE_RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    after_log_number: str
    task_id: str
    status: TransactionStatus
    follow: bool
    salesforce_record_id: str
    def __init__(self, after_log_number: _Optional[str] = ..., task_id: _Optional[str] = ..., status: _Optional[_Union[TransactionStatus, str]] = ..., follow: _Optional[bool] = ..., salesforce_record_id: _Optional[str] = ...) -> None: ...

class TailTransactionLogsResponse(_message.Message):
    __slots__ = ("transaction_log",)
    TRANSACTION_LOG_FIELD_NUMBER: _ClassVar[int]
    transaction_log: TransactionLog
    def __init__(self, transaction_log: _Optional[_Union[TransactionLog, _Mapping]] = ...) -> None: ...
