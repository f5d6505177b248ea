use fnosync_client::proto;
use fnosync_server::MIGRATOR;
use fnosync_tests::{field_mappings, field_violations, TestApp};
use sqlx::PgPool;
use tonic::Code;

use proto::SalesforceObject as Object;

async fn list(app: &TestApp, object: Object) -> Vec<proto::FieldMapping> {
    field_mappings(&app.viewer().await, object).await
}

fn find<'a>(mappings: &'a [proto::FieldMapping], fno_field: &str) -> &'a proto::FieldMapping {
    mappings
        .iter()
        .find(|m| m.fno_field == fno_field)
        .expect(fno_field)
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn default_mappings_are_seeded_for_all_four_objects(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let account = list(&app, Object::Account).await;
    assert_eq!(find(&account, "accountName").sf_field, "Name");
    assert!(find(&account, "accountName").required);
    assert_eq!(find(&account, "region").sf_field, "");
    let contact = list(&app, Object::Contact).await;
    assert_eq!(find(&contact, "emailAddress").sf_field, "Email");
    assert!(find(&contact, "optIn").required);
    assert_eq!(contact.len(), 15);
    let opportunity = list(&app, Object::Opportunity).await;
    assert!(find(&opportunity, "soldTo").required);
    let lines = list(&app, Object::OpportunityLineItem).await;
    assert_eq!(find(&lines, "partNumber").sf_field, "ProductCode");
    assert_eq!(find(&lines, "numberOfCopies").sf_field, "Quantity");
    assert!(lines
        .iter()
        .all(|m| m.kind == proto::MappingKind::Default as i32));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn mappings_are_re_pointed_and_cleared_but_required_ones_refuse(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let mut mapping = app.admin().await.mapping();
    let updated = mapping
        .update_field_mapping(proto::UpdateFieldMappingRequest {
            sf_object: Object::Account as i32,
            fno_field: "city".into(),
            sf_field: "BillingCity".into(),
        })
        .await
        .expect("update")
        .into_inner()
        .field_mapping
        .expect("mapping");
    assert_eq!(updated.sf_field, "BillingCity");

    mapping
        .delete_field_mapping(proto::DeleteFieldMappingRequest {
            sf_object: Object::Account as i32,
            fno_field: "city".into(),
        })
        .await
        .expect("clear");
    let stored: (Option<String>,) = sqlx::query_as(
        "SELECT sf_field FROM field_mappings WHERE sf_object = 'account' AND fno_field = 'city'",
    )
    .fetch_one(&pool)
    .await
    .expect("row");
    assert_eq!(stored.0, None);

    let required = mapping
        .delete_field_mapping(proto::DeleteFieldMappingRequest {
            sf_object: Object::Account as i32,
            fno_field: "accountName".into(),
        })
        .await
        .expect_err("required");
    assert_eq!(required.code(), Code::FailedPrecondition);
    assert!(
        required
            .message()
            .contains("Account.accountName is required"),
        "{}",
        required.message()
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn mapping_requests_name_the_bad_field(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut mapping = app.admin().await.mapping();
    let unknown_object = mapping
        .list_field_mappings(proto::ListFieldMappingsRequest { sf_object: 0 })
        .await
        .expect_err("unset object");
    assert_eq!(field_violations(&unknown_object)[0].0, "sf_object");
    let product = mapping
        .list_field_mappings(proto::ListFieldMappingsRequest {
            sf_object: Object::Product as i32,
        })
        .await
        .expect_err("product");
    assert!(
        product.message().contains("Product2 has no field mappings"),
        "{}",
        product.message()
    );
    let bad_field = mapping
        .update_field_mapping(proto::UpdateFieldMappingRequest {
            sf_object: Object::Account as i32,
            fno_field: "city".into(),
            sf_field: "City'; DROP TABLE".into(),
        })
        .await
        .expect_err("bad field");
    assert_eq!(field_violations(&bad_field)[0].0, "sf_field");
    let unknown_fno = mapping
        .update_field_mapping(proto::UpdateFieldMappingRequest {
            sf_object: Object::Account as i32,
            fno_field: "noSuchField".into(),
            sf_field: "Name".into(),
        })
        .await
        .expect_err("unknown");
    assert_eq!(unknown_fno.code(), Code::NotFound);
}

// A text field of the entity's Salesforce object.
fn text_field(entity: proto::EntityType) -> &'static str {
    match entity {
        proto::EntityType::Account => "AccountNumber",
        proto::EntityType::User => "Title",
        _ => "Description",
    }
}

fn attribute(
    name: &str,
    entity: proto::EntityType,
    data_type: proto::AttributeDataType,
) -> proto::CreateCustomAttributeRequest {
    attribute_from(name, entity, data_type, text_field(entity))
}

fn attribute_from(
    name: &str,
    entity: proto::EntityType,
    data_type: proto::AttributeDataType,
    sf_field: &str,
) -> proto::CreateCustomAttributeRequest {
    proto::CreateCustomAttributeRequest {
        custom_attribute: Some(proto::CustomAttribute {
            name: name.into(),
            entity_type: entity as i32,
            data_type: data_type as i32,
            editable: true,
            active: true,
            sf_field: sf_field.into(),
            ..Default::default()
        }),
        request_id: String::new(),
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn custom_attributes_add_a_custom_mapping_and_go_with_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.connect_sandboxes().await;
    let mut mapping = app.admin().await.mapping();
    let created = mapping
        .create_custom_attribute(attribute(
            "Region",
            proto::EntityType::Account,
            proto::AttributeDataType::Text,
        ))
        .await
        .expect("create")
        .into_inner()
        .custom_attribute
        .expect("attribute");
    assert_eq!(created.sf_object, Object::Account as i32);
    let account = list(&app, Object::Account).await;
    let custom = find(&account, "Region");
    assert_eq!(custom.kind, proto::MappingKind::Custom as i32);
    assert_eq!(custom.sf_field, "AccountNumber");
    assert!(custom.editable);

    // Re-pointing the mapping re-points the attribute.
    mapping
        .update_field_mapping(proto::UpdateFieldMappingRequest {
            sf_object: Object::Account as i32,
            fno_field: "Region".into(),
            sf_field: "Description".into(),
        })
        .await
        .expect("re-point");
    let listed = mapping
        .list_custom_attributes(proto::ListCustomAttributesRequest {
            entity_type: proto::EntityType::Account as i32,
        })
        .await
        .expect("list")
        .into_inner()
        .custom_attributes;
    assert_eq!(listed[0].sf_field, "Description");

    let duplicate = mapping
        .create_custom_attribute(attribute(
            "Region",
            proto::EntityType::Account,
            proto::AttributeDataType::Text,
        ))
        .await
        .expect_err("duplicate");
    assert_eq!(duplicate.code(), Code::AlreadyExists);
    // The same name on another entity type is fine.
    mapping
        .create_custom_attribute(attribute(
            "Region",
            proto::EntityType::User,
            proto::AttributeDataType::Text,
        ))
        .await
        .expect("other entity");

    mapping
        .delete_custom_attribute(proto::DeleteCustomAttributeRequest {
            entity_type: proto::EntityType::Account as i32,
            name: "Region".into(),
        })
        .await
        .expect("delete");
    assert!(list(&app, Object::Account)
        .await
        .iter()
        .all(|m| m.fno_field != "Region"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn custom_attributes_are_validated(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut mapping = app.admin().await.mapping();
    let unsupported = mapping
        .create_custom_attribute(attribute(
            "Pkg",
            proto::EntityType::DownloadPackage,
            proto::AttributeDataType::Text,
        ))
        .await
        .expect_err("download package");
    let violations = field_violations(&unsupported);
    assert_eq!(violations[0].0, "custom_attribute.entity_type");
    assert!(
        violations[0]
            .1
            .contains("download package entities are not supported"),
        "{violations:?}"
    );

    let bad_name = mapping
        .create_custom_attribute(attribute(
            "2nd-Region",
            proto::EntityType::Account,
            proto::AttributeDataType::Date,
        ))
        .await
        .expect_err("name");
    assert_eq!(field_violations(&bad_name)[0].0, "custom_attribute.name");

    let mut wrong_object = attribute(
        "Tier",
        proto::EntityType::EntitlementLine,
        proto::AttributeDataType::Number,
    );
    if let Some(a) = wrong_object.custom_attribute.as_mut() {
        a.sf_object = Object::Opportunity as i32;
    }
    let status = mapping
        .create_custom_attribute(wrong_object)
        .await
        .expect_err("object");
    assert_eq!(
        field_violations(&status)[0],
        (
            "custom_attribute.sf_object".to_string(),
            "must be OpportunityLineItem for this entity type (or left unset)".to_string()
        )
    );

    let no_type = mapping
        .create_custom_attribute(attribute(
            "Flag",
            proto::EntityType::Entitlement,
            proto::AttributeDataType::Unspecified,
        ))
        .await
        .expect_err("data type");
    assert_eq!(
        field_violations(&no_type)[0].0,
        "custom_attribute.data_type"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_custom_attribute_is_checked_against_the_salesforce_describe(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut mapping = app.admin().await.mapping();
    let region = || {
        attribute(
            "Region",
            proto::EntityType::Account,
            proto::AttributeDataType::Text,
        )
    };

    // Without a Salesforce connection there is no describe to check against.
    let unconnected = mapping
        .create_custom_attribute(region())
        .await
        .expect_err("not connected");
    assert_eq!(unconnected.code(), Code::FailedPrecondition);
    assert!(
        unconnected.message().contains("SetSalesforceConnection"),
        "{unconnected:?}"
    );

    app.connect_sandboxes().await;
    let missing = mapping
        .create_custom_attribute(attribute_from(
            "Region",
            proto::EntityType::Account,
            proto::AttributeDataType::Text,
            "Region__c",
        ))
        .await
        .expect_err("no such field");
    let violation = &field_violations(&missing)[0];
    assert_eq!(violation.0, "custom_attribute.sf_field");
    assert!(
        violation
            .1
            .starts_with("Account has no field Region__c in Salesforce"),
        "{violation:?}"
    );

    let mismatched = mapping
        .create_custom_attribute(attribute_from(
            "Seats",
            proto::EntityType::Account,
            proto::AttributeDataType::Number,
            "Website",
        ))
        .await
        .expect_err("a url is not a number");
    let violation = &field_violations(&mismatched)[0];
    assert_eq!(violation.0, "custom_attribute.sf_field");
    assert!(
        violation
            .1
            .starts_with("Account.Website is a url field in Salesforce; a number attribute"),
        "{violation:?}"
    );
    assert!(list(&app, Object::Account)
        .await
        .iter()
        .all(|m| m.fno_field != "Seats" && m.fno_field != "Region"));

    // A field reached through a lookup is described on the object it points to.
    mapping
        .create_custom_attribute(attribute_from(
            "Employer_Phone",
            proto::EntityType::User,
            proto::AttributeDataType::Text,
            "Account.Phone",
        ))
        .await
        .expect("through the Account lookup");
    let through_nothing = mapping
        .create_custom_attribute(attribute_from(
            "Employer_Name",
            proto::EntityType::User,
            proto::AttributeDataType::Text,
            "Employer.Name",
        ))
        .await
        .expect_err("no Employer lookup");
    assert_eq!(
        field_violations(&through_nothing)[0].0,
        "custom_attribute.sf_field"
    );

    // Re-pointing a mapping is checked too: the field must exist, and a
    // custom attribute's field must keep its type.
    mapping
        .create_custom_attribute(attribute_from(
            "Seats",
            proto::EntityType::EntitlementLine,
            proto::AttributeDataType::Number,
            "Quantity",
        ))
        .await
        .expect("a double feeds a number");
    let repointed = mapping
        .update_field_mapping(proto::UpdateFieldMappingRequest {
            sf_object: Object::OpportunityLineItem as i32,
            fno_field: "Seats".into(),
            sf_field: "Description".into(),
        })
        .await
        .expect_err("a string is not a number");
    assert!(
        field_violations(&repointed)[0]
            .1
            .starts_with("OpportunityLineItem.Description is a string field"),
        "{repointed:?}"
    );
    let standard = mapping
        .update_field_mapping(proto::UpdateFieldMappingRequest {
            sf_object: Object::Account as i32,
            fno_field: "city".into(),
            sf_field: "BillingTown".into(),
        })
        .await
        .expect_err("no such field");
    assert_eq!(field_violations(&standard)[0].0, "sf_field");
    assert_eq!(
        find(&list(&app, Object::Account).await, "city").sf_field,
        "ShippingCity"
    );
}
