import datetime

from fnosync.v1 import common_pb2 as _common_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MappingKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MAPPING_KIND_UNSPECIFIED: _ClassVar[MappingKind]
    MAPPING_KIND_DEFAULT: _ClassVar[MappingKind]
    MAPPING_KIND_CUSTOM: _ClassVar[MappingKind]

class EntityType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENTITY_TYPE_UNSPECIFIED: _ClassVar[EntityType]
    ENTITY_TYPE_ACCOUNT: _ClassVar[EntityType]
    ENTITY_TYPE_USER: _ClassVar[EntityType]
    ENTITY_TYPE_ENTITLEMENT: _ClassVar[EntityType]
    ENTITY_TYPE_ENTITLEMENT_LINE: _ClassVar[EntityType]
    ENTITY_TYPE_PRODUCT: _ClassVar[EntityType]
    ENTITY_TYPE_MAINTENANCE_LINE: _ClassVar[EntityType]
    ENTITY_TYPE_DOWNLOAD_PACKAGE: _ClassVar[EntityType]
    ENTITY_TYPE_FILE: _ClassVar[EntityType]

class AttributeDataType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ATTRIBUTE_DATA_TYPE_UNSPECIFIED: _ClassVar[AttributeDataType]
    ATTRIBUTE_DATA_TYPE_NUMBER: _ClassVar[AttributeDataType]
    ATTRIBUTE_DATA_TYPE_TEXT: _ClassVar[AttributeDataType]
    ATTRIBUTE_DATA_TYPE_LONG_TEXT: _ClassVar[AttributeDataType]
    ATTRIBUTE_DATA_TYPE_BOOLEAN: _ClassVar[AttributeDataType]
    ATTRIBUTE_DATA_TYPE_DATE: _ClassVar[AttributeDataType]
MAPPING_KIND_UNSPECIFIED: MappingKind
MAPPING_KIND_DEFAULT: MappingKind
MAPPING_KIND_CUSTOM: MappingKind
ENTITY_TYPE_UNSPECIFIED: EntityType
ENTITY_TYPE_ACCOUNT: EntityType
ENTITY_TYPE_USER: EntityType
ENTITY_TYPE_ENTITLEMENT: EntityType
ENTITY_TYPE_ENTITLEMENT_LINE: EntityType
ENTITY_TYPE_PRODUCT: EntityType
ENTITY_TYPE_MAINTENANCE_LINE: EntityType
ENTITY_TYPE_DOWNLOAD_PACKAGE: EntityType
ENTITY_TYPE_FILE: EntityType
ATTRIBUTE_DATA_TYPE_UNSPECIFIED: AttributeDataType
ATTRIBUTE_DATA_TYPE_NUMBER: AttributeDataType
ATTRIBUTE_DATA_TYPE_TEXT: AttributeDataType
ATTRIBUTE_DATA_TYPE_LONG_TEXT: AttributeDataType
ATTRIBUTE_DATA_TYPE_BOOLEAN: AttributeDataType
ATTRIBUTE_DATA_TYPE_DATE: AttributeDataType

class FieldMapping(_message.Message):
    __slots__ = ("sf_object", "fno_field", "sf_field", "required", "kind", "editable", "update_time", "fixed_reason")
    SF_OBJECT_FIELD_NUMBER: _ClassVar[int]
    FNO_FIELD_FIELD_NUMBER: _ClassVar[int]
    SF_FIELD_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    EDITABLE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    FIXED_REASON_FIELD_NUMBER: _ClassVar[int]
    sf_object: _common_pb2.SalesforceObject
    fno_field: str
    sf_field: str
    required: bool
    kind: MappingKind
    editable: bool
    update_time: _timestamp_pb2.Timestamp
    fixed_reason: str
    def __init__(self, sf_object: _Optional[_Union[_common_pb2.SalesforceObject, str]] = ..., fno_field: _Optional[str] = ..., sf_field: _Optional[str] = ..., required: _Optional[bool] = ..., kind: _Optional[_Union[MappingKind, str]] = ..., editable: _Optional[bool] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., fixed_reason: _Optional[str] = ...) -> None: ...

class ListFieldMappingsRequest(_message.Message):
    __slots__ = ("sf_object",)
    SF_OBJECT_FIELD_NUMBER: _ClassVar[int]
    sf_object: _common_pb2.SalesforceObject
    def __init__(self, sf_object: _Optional[_Union[_common_pb2.SalesforceObject, str]] = ...) -> None: ...

class ListFieldMappingsResponse(_message.Message):
    __slots__ = ("field_mappings",)
    FIELD_MAPPINGS_FIELD_NUMBER: _ClassVar[int]
    field_mappings: _containers.RepeatedCompositeFieldContainer[FieldMapping]
    def __init__(self, field_mappings: _Optional[_Iterable[_Union[FieldMapping, _Mapping]]] = ...) -> None: ...

class UpdateFieldMappingRequest(_message.Message):
    __slots__ = ("sf_object", "fno_field", "sf_field")
    SF_OBJECT_FIELD_NUMBER: _ClassVar[int]
    FNO_FIELD_FIELD_NUMBER: _ClassVar[int]
    SF_FIELD_FIELD_NUMBER: _ClassVar[int]
    sf_object: _common_pb2.SalesforceObject
    fno_field: str
    sf_field: str
    def __init__(self, sf_object: _Optional[_Union[_common_pb2.SalesforceObject, str]] = ..., fno_field: _Optional[str] = ..., sf_field: _Optional[str] = ...) -> None: ...

class UpdateFieldMappingResponse(_message.Message):
    __slots__ = ("field_mapping",)
    FIELD_MAPPING_FIELD_NUMBER: _ClassVar[int]
    field_mapping: FieldMapping
    def __init__(self, field_mapping: _Optional[_Union[FieldMapping, _Mapping]] = ...) -> None: ...

class DeleteFieldMappingRequest(_message.Message):
    __slots__ = ("sf_object", "fno_field")
    SF_OBJECT_FIELD_NUMBER: _ClassVar[int]
    FNO_FIELD_FIELD_NUMBER: _ClassVar[int]
    sf_object: _common_pb2.SalesforceObject
    fno_field: str
    def __init__(self, sf_object: _Optional[_Union[_common_pb2.SalesforceObject, str]] = ..., fno_field: _Optional[str] = ...) -> None: ...

class DeleteFieldMappingResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CustomAttribute(_message.Message):
    __slots__ = ("name", "entity_type", "data_type", "editable", "required", "active", "sf_object", "sf_field", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENTITY_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    EDITABLE_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    SF_OBJECT_FIELD_NUMBER: _ClassVar[int]
    SF_FIELD_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    entity_type: EntityType
    data_type: AttributeDataType
    editable: bool
    required: bool
    active: bool
    sf_object: _common_pb2.SalesforceObject
    sf_field: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., entity_type: _Optional[_Union[EntityType, str]] = ..., data_type: _Optional[_Union[AttributeDataType, str]] = ..., editable: _Optional[bool] = ..., required: _Optional[bool] = ..., active: _Optional[bool] = ..., sf_object: _Optional[_Union[_common_pb2.SalesforceObject, str]] = ..., sf_field: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListCustomAttributesRequest(_message.Message):
    __slots__ = ("entity_type",)
    ENTITY_TYPE_FIELD_NUMBER: _ClassVar[int]
    entity_type: EntityType
    def __init__(self, entity_type: _Optional[_Union[EntityType, str]] = ...) -> None: ...

class ListCustomAttributesResponse(_message.Message):
    __slots__ = ("custom_attributes",)
    CUSTOM_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    custom_attributes: _containers.RepeatedCompositeFieldContainer[CustomAttribute]
    def __init__(self, custom_attributes: _Optional[_Iterable[_Union[CustomAttribute, _Mapping]]] = ...) -> None: ...

class CreateCustomAttributeRequest(_message.Message):
    __slots__ = ("custom_attribute", "request_id")
    CUSTOM_ATTRIBUTE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    custom_attribute: CustomAttribute
    request_id: str
    def __init__(self, custom_attribute: _Optional[_Union[CustomAttribute, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateCustomAttributeResponse(_message.Message):
    __slots__ = ("custom_attribute",)
    CUSTOM_ATTRIBUTE_FIELD_NUMBER: _ClassVar[int]
    custom_attribute: CustomAttribute
    def __init__(self, custom_attribute: _Optional[_Union[CustomAttribute, _Mapping]] = ...) -> None: ...

class DeleteCustomAttributeRequest(_message.Message):
    __slots__ = ("entity_type", "name")
    ENTITY_TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    entity_type: EntityType
    name: str
    def __init__(self, entity_type: _Optional[_Union[EntityType, str]] = ..., name: _Optional[str] = ...) -> None: ...

class DeleteCustomAttributeResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
