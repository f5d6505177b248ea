from fnosync.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CancellationPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CANCELLATION_POLICY_UNSPECIFIED: _ClassVar[CancellationPolicy]
    CANCELLATION_POLICY_LEAVE: _ClassVar[CancellationPolicy]
    CANCELLATION_POLICY_OBSOLETE: _ClassVar[CancellationPolicy]
CANCELLATION_POLICY_UNSPECIFIED: CancellationPolicy
CANCELLATION_POLICY_LEAVE: CancellationPolicy
CANCELLATION_POLICY_OBSOLETE: CancellationPolicy

class Filters(_message.Message):
    __slots__ = ("pre_condition_stages", "post_condition_state", "cancellation_policy")
    PRE_CONDITION_STAGES_FIELD_NUMBER: _ClassVar[int]
    POST_CONDITION_STATE_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_POLICY_FIELD_NUMBER: _ClassVar[int]
    pre_condition_stages: _containers.RepeatedScalarFieldContainer[str]
    post_condition_state: _common_pb2.EntitlementState
    cancellation_policy: CancellationPolicy
    def __init__(self, pre_condition_stages: _Optional[_Iterable[str]] = ..., post_condition_state: _Optional[_Union[_common_pb2.EntitlementState, str]] = ..., cancellation_policy: _Optional[_Union[CancellationPolicy, str]] = ...) -> None: ...

class GetFiltersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetFiltersResponse(_message.Message):
    __slots__ = ("filters",)
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    filters: Filters
    def __init__(self, filters: _Optional[_Union[Filters, _Mapping]] = ...) -> None: ...

class UpdateFiltersRequest(_message.Message):
    __slots__ = ("filters",)
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    filters: Filters
    def __init__(self, filters: _Optional[_Union[Filters, _Mapping]] = ...) -> None: ...

class UpdateFiltersResponse(_message.Message):
    __slots__ = ("filters",)
    FILTERS_FIELD_NUMBER: _ClassVar[int]
    filters: Filters
    def __init__(self, filters: _Optional[_Union[Filters, _Mapping]] = ...) -> None: ...
