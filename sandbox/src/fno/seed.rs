//! The default tenant (the product guide's example plus the Salesforce demo
//! product list, with one product left undeployed and one missing so that
//! readiness checks have something to show) and JSON seed loading.

use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::model::{
    AttributeDefinition, AttributeEntity, AttributeType, FeatureRef, LicenseModel, PartNumber,
    Product, Role, WebServiceUser,
};
use super::state::FnoState;

/// Default name of the role fnosync gives users (not confirmed by public sources).
pub const DEFAULT_PORTAL_ADMIN_ROLE: &str = "Portal Admin User";
/// Default web-service user name.
pub const DEFAULT_USER: &str = "admin";
/// Default web-service password.
pub const DEFAULT_PASSWORD: &str = "admin";
/// The guide's demo product.
pub const DEMO_PRODUCT: &str = "SF-DemoProduct";
/// The guide's demo part number.
pub const DEMO_PART_NUMBER: &str = "SF01demo";
/// The licence model of deployed products.
pub const DEFAULT_LICENSE_MODEL: &str = "Embedded Counted";
/// A licence model that is not deployed.
pub const DRAFT_LICENSE_MODEL: &str = "Draft Trial";
/// Part number whose product stays in DRAFT.
pub const UNDEPLOYED_PART_NUMBER: &str = "GC3020";

const PRODUCT_VERSION: &str = "1.0";
const DEPLOYED: &str = "DEPLOYED";
const DRAFT: &str = "DRAFT";

/// The Salesforce demo products present in FNO (SL9020 is deliberately absent).
const CATALOG: [(&str, &str); 9] = [
    ("GC1060", "GenWatt Diesel 1000kW"),
    ("GC1020", "GenWatt Diesel 10kW"),
    ("GC1040", "GenWatt Diesel 200kW"),
    ("GC3020", "GenWatt Propane 100kW"),
    ("GC5040", "GenWatt Gasoline 750kW"),
    ("IN7080", "Installation: Industrial - High"),
    ("IN7040", "Installation: Portable"),
    ("IN7020", "Installation: Industrial - Low"),
    ("IN7060", "Installation: Industrial - Medium"),
];

/// How to build the default tenant.
#[derive(Clone, Debug)]
pub struct SeedOptions {
    /// Web-service user name.
    pub user: String,
    /// Web-service password.
    pub password: String,
    /// Exact name of the portal admin role.
    pub portal_admin_role: String,
    /// Leave the portal admin role out (to test its absence).
    pub without_portal_admin_role: bool,
}

impl Default for SeedOptions {
    fn default() -> Self {
        Self {
            user: DEFAULT_USER.into(),
            password: DEFAULT_PASSWORD.into(),
            portal_admin_role: DEFAULT_PORTAL_ADMIN_ROLE.into(),
            without_portal_admin_role: false,
        }
    }
}

/// Builds the default tenant.
pub fn default_state(options: &SeedOptions, now: DateTime<Utc>) -> FnoState {
    let mut state = FnoState::default();
    state.web_service_users.push(WebServiceUser {
        user_name: options.user.clone(),
        password: options.password.clone(),
    });
    let mut roles = vec![
        "Portal User".to_string(),
        "Self-Registered User".to_string(),
    ];
    if !options.without_portal_admin_role {
        roles.insert(1, options.portal_admin_role.clone());
    }
    for name in roles {
        let unique_id = state.next_unique_id();
        state.roles.push(Role { unique_id, name });
    }
    state.attribute_definitions = default_definitions();
    for (name, model_state) in [
        (DEFAULT_LICENSE_MODEL, DEPLOYED),
        (DRAFT_LICENSE_MODEL, DRAFT),
    ] {
        let unique_id = state.next_unique_id();
        state.license_models.push(LicenseModel {
            unique_id,
            name: name.into(),
            state: model_state.into(),
        });
    }
    add_product(
        &mut state,
        DEMO_PRODUCT,
        DEMO_PART_NUMBER,
        "Demo product of the connector guide",
        DEPLOYED,
        now,
    );
    for (part, name) in CATALOG {
        let product_state = if part == UNDEPLOYED_PART_NUMBER {
            DRAFT
        } else {
            DEPLOYED
        };
        add_product(&mut state, name, part, name, product_state, now);
    }
    state.reindex();
    state
}

fn add_product(
    state: &mut FnoState,
    name: &str,
    part: &str,
    description: &str,
    product_state: &str,
    now: DateTime<Utc>,
) {
    let unique_id = state.next_unique_id();
    state.products.push(Product {
        unique_id,
        name: name.into(),
        version: PRODUCT_VERSION.into(),
        description: Some(description.into()),
        state: product_state.into(),
        license_technology: Some("FlexNet Embedded".into()),
        features: vec![FeatureRef {
            name: format!("{}-feature", name.replace([' ', ':'], "")),
            version: PRODUCT_VERSION.into(),
            count: 1,
        }],
        license_models: vec![DEFAULT_LICENSE_MODEL.into()],
        custom_attributes: Vec::new(),
        created: now,
        last_modified: now,
    });
    let unique_id = state.next_unique_id();
    state.part_numbers.push(PartNumber {
        unique_id,
        part_id: part.into(),
        description: description.into(),
        product: Some((name.into(), PRODUCT_VERSION.into())),
        license_model: Some(DEFAULT_LICENSE_MODEL.into()),
        created: now,
        last_modified: now,
    });
}

fn definition(
    entity: AttributeEntity,
    name: &str,
    data_type: AttributeType,
    active: bool,
) -> AttributeDefinition {
    AttributeDefinition {
        entity,
        name: name.into(),
        data_type,
        required: false,
        active,
    }
}

/// Custom attributes of the default tenant: one inactive per entity type, none required.
pub fn default_definitions() -> Vec<AttributeDefinition> {
    use AttributeEntity::{Account, Entitlement, LineItem, User};
    use AttributeType::{Boolean, Date, LongText, Number, Text};
    vec![
        definition(Account, "Region_Code", Text, true),
        definition(Account, "Legacy_Account_Code", Text, false),
        definition(User, "Department", Text, true),
        definition(User, "Legacy_Login", Text, false),
        definition(Entitlement, "Sales_Rep", Text, true),
        definition(Entitlement, "Contract_Notes", LongText, true),
        definition(Entitlement, "Legacy_Contract", Text, false),
        definition(LineItem, "Support_Level", Text, true),
        definition(LineItem, "Seats_Purchased", Number, true),
        definition(LineItem, "Auto_Renew", Boolean, true),
        definition(LineItem, "Renewal_Date", Date, true),
        definition(LineItem, "Legacy_Sku", Text, false),
    ]
}

/// Reads a JSON seed (the dump format); the web-service user of `options` is added when absent.
pub fn load_seed(path: &Path, options: &SeedOptions) -> anyhow::Result<FnoState> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("failed to read the fno seed {}", path.display()))?;
    let mut state: FnoState = serde_json::from_str(&text)
        .with_context(|| format!("failed to parse the fno seed {}", path.display()))?;
    if !state
        .web_service_users
        .iter()
        .any(|user| user.user_name == options.user)
    {
        state.web_service_users.push(WebServiceUser {
            user_name: options.user.clone(),
            password: options.password.clone(),
        });
    }
    state.reindex();
    Ok(state)
}
