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

class ApiTokenRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    API_TOKEN_ROLE_UNSPECIFIED: _ClassVar[ApiTokenRole]
    API_TOKEN_ROLE_VIEWER: _ClassVar[ApiTokenRole]
    API_TOKEN_ROLE_OPERATOR: _ClassVar[ApiTokenRole]
    API_TOKEN_ROLE_ADMIN: _ClassVar[ApiTokenRole]

class SalesforceAuthFlow(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SALESFORCE_AUTH_FLOW_UNSPECIFIED: _ClassVar[SalesforceAuthFlow]
    SALESFORCE_AUTH_FLOW_USERNAME_PASSWORD: _ClassVar[SalesforceAuthFlow]
    SALESFORCE_AUTH_FLOW_CLIENT_CREDENTIALS: _ClassVar[SalesforceAuthFlow]
    SALESFORCE_AUTH_FLOW_JWT_BEARER: _ClassVar[SalesforceAuthFlow]

class RemoteSystem(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REMOTE_SYSTEM_UNSPECIFIED: _ClassVar[RemoteSystem]
    REMOTE_SYSTEM_FNO: _ClassVar[RemoteSystem]
    REMOTE_SYSTEM_SALESFORCE: _ClassVar[RemoteSystem]

class ConnectionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONNECTION_STATE_UNSPECIFIED: _ClassVar[ConnectionState]
    CONNECTION_STATE_NOT_CONFIGURED: _ClassVar[ConnectionState]
    CONNECTION_STATE_NOT_VERIFIED: _ClassVar[ConnectionState]
    CONNECTION_STATE_VERIFIED: _ClassVar[ConnectionState]
    CONNECTION_STATE_FAILED: _ClassVar[ConnectionState]

class LicenseState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LICENSE_STATE_UNSPECIFIED: _ClassVar[LicenseState]
    LICENSE_STATE_MISSING: _ClassVar[LicenseState]
    LICENSE_STATE_VALID: _ClassVar[LicenseState]
    LICENSE_STATE_EXPIRED: _ClassVar[LicenseState]
    LICENSE_STATE_INVALID: _ClassVar[LicenseState]
API_TOKEN_ROLE_UNSPECIFIED: ApiTokenRole
API_TOKEN_ROLE_VIEWER: ApiTokenRole
API_TOKEN_ROLE_OPERATOR: ApiTokenRole
API_TOKEN_ROLE_ADMIN: ApiTokenRole
SALESFORCE_AUTH_FLOW_UNSPECIFIED: SalesforceAuthFlow
SALESFORCE_AUTH_FLOW_USERNAME_PASSWORD: SalesforceAuthFlow
SALESFORCE_AUTH_FLOW_CLIENT_CREDENTIALS: SalesforceAuthFlow
SALESFORCE_AUTH_FLOW_JWT_BEARER: SalesforceAuthFlow
REMOTE_SYSTEM_UNSPECIFIED: RemoteSystem
REMOTE_SYSTEM_FNO: RemoteSystem
REMOTE_SYSTEM_SALESFORCE: RemoteSystem
CONNECTION_STATE_UNSPECIFIED: ConnectionState
CONNECTION_STATE_NOT_CONFIGURED: ConnectionState
CONNECTION_STATE_NOT_VERIFIED: ConnectionState
CONNECTION_STATE_VERIFIED: ConnectionState
CONNECTION_STATE_FAILED: ConnectionState
LICENSE_STATE_UNSPECIFIED: LicenseState
LICENSE_STATE_MISSING: LicenseState
LICENSE_STATE_VALID: LicenseState
LICENSE_STATE_EXPIRED: LicenseState
LICENSE_STATE_INVALID: LicenseState

class ApiToken(_message.Message):
    __slots__ = ("name", "role", "create_time", "last_use_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_USE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    role: ApiTokenRole
    create_time: _timestamp_pb2.Timestamp
    last_use_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., role: _Optional[_Union[ApiTokenRole, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_use_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListApiTokensRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListApiTokensResponse(_message.Message):
    __slots__ = ("tokens",)
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    tokens: _containers.RepeatedCompositeFieldContainer[ApiToken]
    def __init__(self, tokens: _Optional[_Iterable[_Union[ApiToken, _Mapping]]] = ...) -> None: ...

class RevokeApiTokenRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class RevokeApiTokenResponse(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: ApiToken
    def __init__(self, token: _Optional[_Union[ApiToken, _Mapping]] = ...) -> None: ...

class CreateApiTokenRequest(_message.Message):
    __slots__ = ("name", "role")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    name: str
    role: ApiTokenRole
    def __init__(self, name: _Optional[str] = ..., role: _Optional[_Union[ApiTokenRole, str]] = ...) -> None: ...

class CreateApiTokenResponse(_message.Message):
    __slots__ = ("token", "name", "role")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    token: str
    name: str
    role: ApiTokenRole
    def __init__(self, token: _Optional[str] = ..., name: _Optional[str] = ..., role: _Optional[_Union[ApiTokenRole, str]] = ...) -> None: ...

class RemoteSite(_message.Message):
    __slots__ = ("name", "url", "description", "active", "create_time", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    url: str
    description: str
    active: bool
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., url: _Optional[str] = ..., description: _Optional[str] = ..., active: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateRemoteSiteRequest(_message.Message):
    __slots__ = ("name", "url", "description", "active", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    url: str
    description: str
    active: bool
    request_id: str
    def __init__(self, name: _Optional[str] = ..., url: _Optional[str] = ..., description: _Optional[str] = ..., active: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateRemoteSiteResponse(_message.Message):
    __slots__ = ("remote_site",)
    REMOTE_SITE_FIELD_NUMBER: _ClassVar[int]
    remote_site: RemoteSite
    def __init__(self, remote_site: _Optional[_Union[RemoteSite, _Mapping]] = ...) -> None: ...

class ListRemoteSitesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListRemoteSitesResponse(_message.Message):
    __slots__ = ("remote_sites",)
    REMOTE_SITES_FIELD_NUMBER: _ClassVar[int]
    remote_sites: _containers.RepeatedCompositeFieldContainer[RemoteSite]
    def __init__(self, remote_sites: _Optional[_Iterable[_Union[RemoteSite, _Mapping]]] = ...) -> None: ...

class UpdateRemoteSiteRequest(_message.Message):
    __slots__ = ("name", "url", "description", "active")
    NAME_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    name: str
    url: str
    description: str
    active: bool
    def __init__(self, name: _Optional[str] = ..., url: _Optional[str] = ..., description: _Optional[str] = ..., active: _Optional[bool] = ...) -> None: ...

class UpdateRemoteSiteResponse(_message.Message):
    __slots__ = ("remote_site",)
    REMOTE_SITE_FIELD_NUMBER: _ClassVar[int]
    remote_site: RemoteSite
    def __init__(self, remote_site: _Optional[_Union[RemoteSite, _Mapping]] = ...) -> None: ...

class DeleteRemoteSiteRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteRemoteSiteResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetFnoConnectionRequest(_message.Message):
    __slots__ = ("tenant_url", "user_name", "password")
    TENANT_URL_FIELD_NUMBER: _ClassVar[int]
    USER_NAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    tenant_url: str
    user_name: str
    password: str
    def __init__(self, tenant_url: _Optional[str] = ..., user_name: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class SetFnoConnectionResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: ConnectionStatus
    def __init__(self, status: _Optional[_Union[ConnectionStatus, _Mapping]] = ...) -> None: ...

class SetSalesforceConnectionRequest(_message.Message):
    __slots__ = ("login_url", "flow", "client_id", "client_secret", "user_name", "password", "private_key_pem", "api_version")
    LOGIN_URL_FIELD_NUMBER: _ClassVar[int]
    FLOW_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    USER_NAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    PRIVATE_KEY_PEM_FIELD_NUMBER: _ClassVar[int]
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    login_url: str
    flow: SalesforceAuthFlow
    client_id: str
    client_secret: str
    user_name: str
    password: str
    private_key_pem: str
    api_version: str
    def __init__(self, login_url: _Optional[str] = ..., flow: _Optional[_Union[SalesforceAuthFlow, str]] = ..., client_id: _Optional[str] = ..., client_secret: _Optional[str] = ..., user_name: _Optional[str] = ..., password: _Optional[str] = ..., private_key_pem: _Optional[str] = ..., api_version: _Optional[str] = ...) -> None: ...

class SetSalesforceConnectionResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: ConnectionStatus
    def __init__(self, status: _Optional[_Union[ConnectionStatus, _Mapping]] = ...) -> None: ...

class ConnectionStatus(_message.Message):
    __slots__ = ("system", "state", "url", "user_name", "flow", "message", "verify_time", "update_time")
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    USER_NAME_FIELD_NUMBER: _ClassVar[int]
    FLOW_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    VERIFY_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    system: RemoteSystem
    state: ConnectionState
    url: str
    user_name: str
    flow: SalesforceAuthFlow
    message: str
    verify_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, system: _Optional[_Union[RemoteSystem, str]] = ..., state: _Optional[_Union[ConnectionState, str]] = ..., url: _Optional[str] = ..., user_name: _Optional[str] = ..., flow: _Optional[_Union[SalesforceAuthFlow, str]] = ..., message: _Optional[str] = ..., verify_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetConnectionStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetConnectionStatusResponse(_message.Message):
    __slots__ = ("fno", "salesforce")
    FNO_FIELD_NUMBER: _ClassVar[int]
    SALESFORCE_FIELD_NUMBER: _ClassVar[int]
    fno: ConnectionStatus
    salesforce: ConnectionStatus
    def __init__(self, fno: _Optional[_Union[ConnectionStatus, _Mapping]] = ..., salesforce: _Optional[_Union[ConnectionStatus, _Mapping]] = ...) -> None: ...

class LicenseInfo(_message.Message):
    __slots__ = ("state", "license_id", "licensee", "expiry_date", "days_left", "renewal_due", "message", "refresh_time")
    STATE_FIELD_NUMBER: _ClassVar[int]
    LICENSE_ID_FIELD_NUMBER: _ClassVar[int]
    LICENSEE_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_DATE_FIELD_NUMBER: _ClassVar[int]
    DAYS_LEFT_FIELD_NUMBER: _ClassVar[int]
    RENEWAL_DUE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TIME_FIELD_NUMBER: _ClassVar[int]
    state: LicenseState
    license_id: str
    licensee: str
    expiry_date: str
    days_left: int
    renewal_due: bool
    message: str
    refresh_time: _timestamp_pb2.Timestamp
    def __init__(self, state: _Optional[_Union[LicenseState, str]] = ..., license_id: _Optional[str] = ..., licensee: _Optional[str] = ..., expiry_date: _Optional[str] = ..., days_left: _Optional[int] = ..., renewal_due: _Optional[bool] = ..., message: _Optional[str] = ..., refresh_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubmitLicenseKeyRequest(_message.Message):
    __slots__ = ("license_key",)
    LICENSE_KEY_FIELD_NUMBER: _ClassVar[int]
    license_key: str
    def __init__(self, license_key: _Optional[str] = ...) -> None: ...

class SubmitLicenseKeyResponse(_message.Message):
    __slots__ = ("license",)
    LICENSE_FIELD_NUMBER: _ClassVar[int]
    license: LicenseInfo
    def __init__(self, license: _Optional[_Union[LicenseInfo, _Mapping]] = ...) -> None: ...

class GetLicenseInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetLicenseInfoResponse(_message.Message):
    __slots__ = ("license",)
    LICENSE_FIELD_NUMBER: _ClassVar[int]
    license: LicenseInfo
    def __init__(self, license: _Optional[_Union[LicenseInfo, _Mapping]] = ...) -> None: ...

class RefreshLicenseInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RefreshLicenseInfoResponse(_message.Message):
    __slots__ = ("license",)
    LICENSE_FIELD_NUMBER: _ClassVar[int]
    license: LicenseInfo
    def __init__(self, license: _Optional[_Union[LicenseInfo, _Mapping]] = ...) -> None: ...

class GetSalesforceSchemaStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ObjectSchemaStatus(_message.Message):
    __slots__ = ("sf_object", "api_name", "present_fields", "missing_fields")
    SF_OBJECT_FIELD_NUMBER: _ClassVar[int]
    API_NAME_FIELD_NUMBER: _ClassVar[int]
    PRESENT_FIELDS_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELDS_FIELD_NUMBER: _ClassVar[int]
    sf_object: _common_pb2.SalesforceObject
    api_name: str
    present_fields: _containers.RepeatedScalarFieldContainer[str]
    missing_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, sf_object: _Optional[_Union[_common_pb2.SalesforceObject, str]] = ..., api_name: _Optional[str] = ..., present_fields: _Optional[_Iterable[str]] = ..., missing_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class GetSalesforceSchemaStatusResponse(_message.Message):
    __slots__ = ("objects",)
    OBJECTS_FIELD_NUMBER: _ClassVar[int]
    objects: _containers.RepeatedCompositeFieldContainer[ObjectSchemaStatus]
    def __init__(self, objects: _Optional[_Iterable[_Union[ObjectSchemaStatus, _Mapping]]] = ...) -> None: ...

class PageLayout(_message.Message):
    __slots__ = ("sf_object", "layout_name", "shows_connector_fields")
    SF_OBJECT_FIELD_NUMBER: _ClassVar[int]
    LAYOUT_NAME_FIELD_NUMBER: _ClassVar[int]
    SHOWS_CONNECTOR_FIELDS_FIELD_NUMBER: _ClassVar[int]
    sf_object: _common_pb2.SalesforceObject
    layout_name: str
    shows_connector_fields: bool
    def __init__(self, sf_object: _Optional[_Union[_common_pb2.SalesforceObject, str]] = ..., layout_name: _Optional[str] = ..., shows_connector_fields: _Optional[bool] = ...) -> None: ...

class ListPageLayoutsRequest(_message.Message):
    __slots__ = ("sf_object",)
    SF_OBJECT_FIELD_NUMBER: _ClassVar[int]
    sf_object: _common_pb2.SalesforceObject
    def __init__(self, sf_object: _Optional[_Union[_common_pb2.SalesforceObject, str]] = ...) -> None: ...

class ListPageLayoutsResponse(_message.Message):
    __slots__ = ("page_layouts",)
    PAGE_LAYOUTS_FIELD_NUMBER: _ClassVar[int]
    page_layouts: _containers.RepeatedCompositeFieldContainer[PageLayout]
    def __init__(self, page_layouts: _Optional[_Iterable[_Union[PageLayout, _Mapping]]] = ...) -> None: ...

class UpdatePageLayoutsRequest(_message.Message):
    __slots__ = ("page_layouts",)
    PAGE_LAYOUTS_FIELD_NUMBER: _ClassVar[int]
    page_layouts: _containers.RepeatedCompositeFieldContainer[PageLayout]
    def __init__(self, page_layouts: _Optional[_Iterable[_Union[PageLayout, _Mapping]]] = ...) -> None: ...

class UpdatePageLayoutsResponse(_message.Message):
    __slots__ = ("page_layouts",)
    PAGE_LAYOUTS_FIELD_NUMBER: _ClassVar[int]
    page_layouts: _containers.RepeatedCompositeFieldContainer[PageLayout]
    def __init__(self, page_layouts: _Optional[_Iterable[_Union[PageLayout, _Mapping]]] = ...) -> None: ...
