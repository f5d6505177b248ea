from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class SalesforceObject(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SALESFORCE_OBJECT_UNSPECIFIED: _ClassVar[SalesforceObject]
    SALESFORCE_OBJECT_ACCOUNT: _ClassVar[SalesforceObject]
    SALESFORCE_OBJECT_CONTACT: _ClassVar[SalesforceObject]
    SALESFORCE_OBJECT_OPPORTUNITY: _ClassVar[SalesforceObject]
    SALESFORCE_OBJECT_OPPORTUNITY_LINE_ITEM: _ClassVar[SalesforceObject]
    SALESFORCE_OBJECT_PRODUCT: _ClassVar[SalesforceObject]

class EntitlementState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENTITLEMENT_STATE_UNSPECIFIED: _ClassVar[EntitlementState]
    ENTITLEMENT_STATE_DRAFT: _ClassVar[EntitlementState]
    ENTITLEMENT_STATE_DEPLOYED: _ClassVar[EntitlementState]
SALESFORCE_OBJECT_UNSPECIFIED: SalesforceObject
SALESFORCE_OBJECT_ACCOUNT: SalesforceObject
SALESFORCE_OBJECT_CONTACT: SalesforceObject
SALESFORCE_OBJECT_OPPORTUNITY: SalesforceObject
SALESFORCE_OBJECT_OPPORTUNITY_LINE_ITEM: SalesforceObject
SALESFORCE_OBJECT_PRODUCT: SalesforceObject
ENTITLEMENT_STATE_UNSPECIFIED: EntitlementState
ENTITLEMENT_STATE_DRAFT: EntitlementState
ENTITLEMENT_STATE_DEPLOYED: EntitlementState
