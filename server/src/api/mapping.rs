//! `MappingService`: field mappings per Salesforce object and FNO custom attributes.

use fnosync_proto::v1 as pb;
use pb::mapping_service_server::MappingService;
use tonic::Request;

use super::convert;
use super::{respond, ApiContext, RpcResult};
use crate::domain::mapping::{
    fixed_reason, validate_sf_field, CustomAttribute, CustomAttributeInput, GivenObject, SfObject,
};
use crate::error::{Error, Result};
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

impl MappingApi {
    /// Builds the service.
    pub fn new(ctx: ApiContext) -> Self {
        Self { ctx }
    }

    async fn update(&self, request: pb::UpdateFieldMappingRequest) -> Result<pb::FieldMapping> {
        let object = mapped_object(request.sf_object)?;
        refuse_fixed(object, &request.fno_field)?;
        validate_sf_field(request.sf_field.trim()).map_err(|e| Error::invalid("sf_field", e))?;
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
