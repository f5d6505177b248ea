import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Product(_message.Message):
    __slots__ = ("salesforce_product_id", "name", "product_code", "sync_included", "salesforce_active", "fno_exists", "fno_part_number", "fno_deployed", "code_matches_part_number", "readiness_known", "ready", "problems", "update_time")
    SALESFORCE_PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_CODE_FIELD_NUMBER: _ClassVar[int]
    SYNC_INCLUDED_FIELD_NUMBER: _ClassVar[int]
    SALESFORCE_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    FNO_EXISTS_FIELD_NUMBER: _ClassVar[int]
    FNO_PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    FNO_DEPLOYED_FIELD_NUMBER: _ClassVar[int]
    CODE_MATCHES_PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    READINESS_KNOWN_FIELD_NUMBER: _ClassVar[int]
    READY_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    salesforce_product_id: str
    name: str
    product_code: str
    sync_included: bool
    salesforce_active: bool
    fno_exists: bool
    fno_part_number: str
    fno_deployed: bool
    code_matches_part_number: bool
    readiness_known: bool
    ready: bool
    problems: _containers.RepeatedScalarFieldContainer[str]
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, salesforce_product_id: _Optional[str] = ..., name: _Optional[str] = ..., product_code: _Optional[str] = ..., sync_included: _Optional[bool] = ..., salesforce_active: _Optional[bool] = ..., fno_exists: _Optional[bool] = ..., fno_part_number: _Optional[str] = ..., fno_deployed: _Optional[bool] = ..., code_matches_part_number: _Optional[bool] = ..., readiness_known: _Optional[bool] = ..., ready: _Optional[bool] = ..., problems: _Optional[_Iterable[str]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListProductsRequest(_message.Message):
    __slots__ = ("not_ready_only",)
    NOT_READY_ONLY_FIELD_NUMBER: _ClassVar[int]
    not_ready_only: bool
    def __init__(self, not_ready_only: _Optional[bool] = ...) -> None: ...

class ListProductsResponse(_message.Message):
    __slots__ = ("products",)
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    products: _containers.RepeatedCompositeFieldContainer[Product]
    def __init__(self, products: _Optional[_Iterable[_Union[Product, _Mapping]]] = ...) -> None: ...

class SetProductSyncIncludedRequest(_message.Message):
    __slots__ = ("salesforce_product_id", "included", "name", "product_code")
    SALESFORCE_PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_CODE_FIELD_NUMBER: _ClassVar[int]
    salesforce_product_id: str
    included: bool
    name: str
    product_code: str
    def __init__(self, salesforce_product_id: _Optional[str] = ..., included: _Optional[bool] = ..., name: _Optional[str] = ..., product_code: _Optional[str] = ...) -> None: ...

class SetProductSyncIncludedResponse(_message.Message):
    __slots__ = ("product",)
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    product: Product
    def __init__(self, product: _Optional[_Union[Product, _Mapping]] = ...) -> None: ...
