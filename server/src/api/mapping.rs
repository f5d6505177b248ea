//! `MappingService`: field mappings per Salesforce object and FNO custom attributes.

use fnosync_proto::v1 as pb;
use pb::mapping_service_server::MappingService;
use tonic::Request;

use super::convert;
use super::{respond, ApiContext, RpcResult};
use crate::domain::mapping::{
    fixed_reason, validate_sf_field, CustomAttribute, CustomAttributeInput, DataType, GivenObject,
    SfObject,
};
use crate::error::{Error, Result};
use crate::salesforce::SalesforceClient;
use crate::store::connections::{self, System};
use crate::store::idempotency;
use crate::store::mappings;

/// Serves `fnosync.v1.MappingService`.
pub struct MappingApi {
    ctx: ApiContext,
}

fn mapped_object(value: i32) -> Result<SfObject> {
    let object = convert::sf_object("sf_object", value)?;
    if !object.has_mappings() {
        return Err(Error::invalid(
            "sf_object",
            format!("{} has no field mappings; use Account, Contact, Opportunity or OpportunityLineItem", object.api_name()),
        ));
    }
    Ok(object)
}

/// Refuses a change of a mapping whose value fnosync fixes, with the reason.
fn refuse_fixed(object: SfObject, fno_field: &str) -> Result<()> {
    match fixed_reason(object, fno_field) {
        Some(reason) => Err(Error::FailedPrecondition(format!(
            "the mapping {}.{fno_field} is not editable: {reason}",
            object.api_name()
        ))),
        None => Ok(()),
    }
}

/// Checks a mapped Salesforce field against the describe of `object`: it must
/// exist and, when it feeds a custom attribute of `data_type`, be of a type
/// that attribute takes. `name` is the request field blamed.
async fn check_in_describe(
    client: &SalesforceClient,
    object: SfObject,
    field: &str,
    data_type: Option<DataType>,
    name: &str,
) -> Result<()> {
    let object_name = object.api_name();
    let found = client
        .resolve_field(object_name, field)
        .await
        .map_err(|e| {
            Error::Unavailable(format!(
                "cannot check {object_name}.{field} against Salesforce's describe: {e}"
            ))
        })?;
    let Some(found) = found else {
        return Err(Error::invalid(
            name,
            format!(
                "{object_name} has no field {field} in Salesforce (describe); give the field's API \
                 name, e.g. Region__c for a custom field, Account.Name through a lookup"
            ),
        ));
    };
    match data_type {
        Some(data_type) => data_type
            .check_salesforce_type(&format!("{object_name}.{field}"), &found.field_type)
            .map_err(|e| Error::invalid(name, e)),
        None => Ok(()),
    }
}

impl MappingApi {
    /// Builds the service.
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }

    /// The Salesforce client, `None` while no connection is stored.
    async fn connected_salesforce(&self) -> Result<Option<SalesforceClient>> {
        if connections::get_connection(&self.ctx.pool, System::Salesforce)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        self.ctx.salesforce_client().await.map(Some)
    }

    /// Checks a re-pointed mapping against describe when Salesforce is
    /// connected (before that, the sync's query is what finds a wrong field).
    async fn check_repointed(&self, object: SfObject, fno_field: &str, field: &str) -> Result<()> {
        let Some(client) = self.connected_salesforce().await? else {
            return Ok(());
        };
        let data_type = mappings::list_custom_attributes(&self.ctx.pool, None)
            .await?
            .into_iter()
            .find(|a| a.sf_object == object.as_db() && a.name == fno_field)
            .and_then(|a| DataType::from_db(&a.data_type));
        check_in_describe(&client, object, field, data_type, "sf_field").await
    }

    async fn update(&self, request: pb::UpdateFieldMappingRequest) -> Result<pb::FieldMapping> {
        let object = mapped_object(request.sf_object)?;
        refuse_fixed(object, &request.fno_field)?;
        validate_sf_field(request.sf_field.trim()).map_err(|e| Error::invalid("sf_field", e))?;
        // An unknown mapping is named before the field is described.
        mappings::get_mapping(&self.ctx.pool, object, &request.fno_field).await?;
        self.check_repointed(object, &request.fno_field, request.sf_field.trim())
            .await?;
        let record = mappings::set_mapping_field(
            &self.ctx.pool,
            object,
            &request.fno_field,
            Some(request.sf_field.trim()),
        )
        .await?;
        tracing::info!(object = object.api_name(), fno_field = %record.fno_field, sf_field = %request.sf_field, "field mapping updated");
        Ok(convert::field_mapping(record))
    }

    async fn delete(&self, request: pb::DeleteFieldMappingRequest) -> Result<()> {
        let object = mapped_object(request.sf_object)?;
        refuse_fixed(object, &request.fno_field)?;
        let existing = mappings::get_mapping(&self.ctx.pool, object, &request.fno_field).await?;
        if existing.required {
            return Err(Error::FailedPrecondition(format!(
                "the mapping {}.{} is required and cannot be cleared; re-point it with UpdateFieldMapping instead",
                object.api_name(),
                request.fno_field
            )));
        }
        mappings::set_mapping_field(&self.ctx.pool, object, &request.fno_field, None).await?;
        tracing::info!(object = object.api_name(), fno_field = %request.fno_field, "field mapping cleared");
        Ok(())
    }

    async fn create_attribute(
        &self,
        request: pb::CreateCustomAttributeRequest,
    ) -> Result<pb::CreateCustomAttributeResponse> {
        let given = request
            .custom_attribute
            .ok_or_else(|| Error::invalid("custom_attribute", "is required"))?;
        let attribute = CustomAttribute::parse(CustomAttributeInput {
            name: &given.name,
            entity_type: convert::entity_type(given.entity_type),
            sf_object: match given.sf_object {
                0 => GivenObject::Unset,
                value => convert::sf_object("custom_attribute.sf_object", value)
                    .map_or(GivenObject::Unknown, GivenObject::Known),
            },
            data_type: convert::data_type(given.data_type),
            sf_field: &given.sf_field,
            editable: given.editable,
            required: given.required,
            active: given.active,
        })?;
        let client = self.connected_salesforce().await?.ok_or_else(|| {
            Error::FailedPrecondition(
                "the Salesforce connection is not configured: set it with \
                 SetSalesforceConnection first, a custom attribute's field is checked against \
                 the object's describe"
                    .into(),
            )
        })?;
        check_in_describe(
            &client,
            attribute.sf_object,
            &attribute.sf_field,
            Some(attribute.data_type),
            "custom_attribute.sf_field",
        )
        .await?;
        let mut tx = self.ctx.pool.begin().await?;
        let record = mappings::insert_custom_attribute(&mut tx, &attribute).await?;
        tx.commit().await?;
        Ok(pb::CreateCustomAttributeResponse {
            custom_attribute: Some(convert::custom_attribute(record)),
        })
    }
}

#[tonic::async_trait]
impl MappingService for MappingApi {
    async fn list_field_mappings(
        &self,
        request: Request<pb::ListFieldMappingsRequest>,
    ) -> RpcResult<pb::ListFieldMappingsResponse> {
        let object = mapped_object(request.into_inner().sf_object)?;
        let records = mappings::list_mappings(&self.ctx.pool, object).await;
        respond(records.map(|records| pb::ListFieldMappingsResponse {
            field_mappings: records.into_iter().map(convert::field_mapping).collect(),
        }))
    }

    async fn update_field_mapping(
        &self,
        request: Request<pb::UpdateFieldMappingRequest>,
    ) -> RpcResult<pb::UpdateFieldMappingResponse> {
        let mapping = self.update(request.into_inner()).await;
        respond(mapping.map(|m| pb::UpdateFieldMappingResponse {
            field_mapping: Some(m),
        }))
    }

    async fn delete_field_mapping(
        &self,
        request: Request<pb::DeleteFieldMappingRequest>,
    ) -> RpcResult<pb::DeleteFieldMappingResponse> {
        respond(
            self.delete(request.into_inner())
                .await
                .map(|()| pb::DeleteFieldMappingResponse {}),
        )
    }

    async fn list_custom_attributes(
        &self,
        request: Request<pb::ListCustomAttributesRequest>,
    ) -> RpcResult<pb::ListCustomAttributesResponse> {
        let entity_type = convert::entity_type(request.into_inner().entity_type);
        let records = mappings::list_custom_attributes(&self.ctx.pool, entity_type).await;
        respond(records.map(|records| pb::ListCustomAttributesResponse {
            custom_attributes: records.into_iter().map(convert::custom_attribute).collect(),
        }))
    }

    async fn create_custom_attribute(
        &self,
        request: Request<pb::CreateCustomAttributeRequest>,
    ) -> RpcResult<pb::CreateCustomAttributeResponse> {
        let request = request.into_inner();
        respond(
            idempotency::run_once(
                &self.ctx.pool,
                "CreateCustomAttribute",
                &request.request_id,
                &request,
                || self.create_attribute(request.clone()),
            )
            .await,
        )
    }

    async fn delete_custom_attribute(
        &self,
        request: Request<pb::DeleteCustomAttributeRequest>,
    ) -> RpcResult<pb::DeleteCustomAttributeResponse> {
        let request = request.into_inner();
        let entity_type = convert::entity_type(request.entity_type)
            .ok_or_else(|| Error::invalid("entity_type", "is required"))?;
        let deleted =
            mappings::delete_custom_attribute(&self.ctx.pool, entity_type, &request.name).await;
        respond(deleted.map(|()| pb::DeleteCustomAttributeResponse {}))
    }
}
