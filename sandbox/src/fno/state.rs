//! The sandbox's whole tenant in memory: records in creation order plus hash
//! indexes by key, rebuilt after a seed is loaded. Identifier elements of the
//! SOAP messages (`uniqueId` or `primaryKeys`) are resolved here.

use std::collections::{BTreeSet, HashMap};

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::model::{
    Account, AttributeDefinition, AttributeEntity, Entitlement, LicenseModel, PartNumber, Product,
    Role, User, WebServiceUser,
};
use super::xml::Element;

/// Everything the sandbox knows; this is also the JSON seed and dump format.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FnoState {
    /// Users allowed to call the web services.
    pub web_service_users: Vec<WebServiceUser>,
    /// Roles users can hold in accounts.
    pub roles: Vec<Role>,
    /// Custom attribute definitions of every entity type.
    pub attribute_definitions: Vec<AttributeDefinition>,
    /// Licence models.
    pub license_models: Vec<LicenseModel>,
    /// Products.
    pub products: Vec<Product>,
    /// Part numbers.
    pub part_numbers: Vec<PartNumber>,
    /// Accounts.
    pub accounts: Vec<Account>,
    /// Users.
    pub users: Vec<User>,
    /// Entitlements with their line items.
    pub entitlements: Vec<Entitlement>,
    /// Next number for `HID-…` unique ids.
    pub next_unique_id: u64,
    #[serde(skip)]
    index: Indexes,
}

#[derive(Clone, Debug, Default)]
struct Indexes {
    accounts: HashMap<String, usize>,
    users: HashMap<String, usize>,
    products: HashMap<(String, String), usize>,
    part_numbers: HashMap<String, usize>,
    entitlements: HashMap<String, usize>,
    line_items: HashMap<String, (usize, usize)>,
    /// Lines by their `orderId`, and the order each indexed line is under.
    orders: HashMap<String, BTreeSet<(usize, usize)>>,
    line_orders: HashMap<(usize, usize), String>,
}

impl Indexes {
    /// Files the line at `at` under its order (and no longer under the one
    /// it was filed under).
    fn file_order(&mut self, at: (usize, usize), order_id: Option<&str>) {
        if let Some(old) = self.line_orders.remove(&at) {
            if let Some(lines) = self.orders.get_mut(&old) {
                lines.remove(&at);
            }
        }
        if let Some(order) = order_id {
            self.orders.entry(order.to_string()).or_default().insert(at);
            self.line_orders.insert(at, order.to_string());
        }
    }
}

/// First unique id handed out when a seed does not say.
const FIRST_UNIQUE_ID: u64 = 20_000;

impl FnoState {
    /// Rebuilds every index; call after changing the vectors directly.
    pub fn reindex(&mut self) {
        let mut index = Indexes::default();
        for (position, account) in self.accounts.iter().enumerate() {
            index.accounts.insert(account.id.clone(), position);
        }
        for (position, user) in self.users.iter().enumerate() {
            index.users.insert(user.user_name.to_lowercase(), position);
        }
        for (position, product) in self.products.iter().enumerate() {
            index
                .products
                .insert((product.name.clone(), product.version.clone()), position);
        }
        for (position, part) in self.part_numbers.iter().enumerate() {
            index.part_numbers.insert(part.part_id.clone(), position);
        }
        for (position, entitlement) in self.entitlements.iter().enumerate() {
            index
                .entitlements
                .insert(entitlement.entitlement_id.clone(), position);
            for (line, item) in entitlement.line_items.iter().enumerate() {
                index
                    .line_items
                    .insert(item.activation_id.clone(), (position, line));
                index.file_order((position, line), item.order_id.as_deref());
            }
        }
        self.index = index;
        if self.next_unique_id == 0 {
            self.next_unique_id = FIRST_UNIQUE_ID;
        }
    }

    /// Hands out the next `HID-…` unique id.
    pub fn next_unique_id(&mut self) -> String {
        if self.next_unique_id == 0 {
            self.next_unique_id = FIRST_UNIQUE_ID;
        }
        let id = format!("HID-{}", self.next_unique_id);
        self.next_unique_id += 1;
        id
    }

    /// Position of the account with Account ID `id`.
    pub fn account_position(&self, id: &str) -> Option<usize> {
        self.index.accounts.get(id).copied()
    }

    /// Resolves an account identifier element (`uniqueId` or `primaryKeys > key`).
    pub fn resolve_account(&self, identifier: &Element, key: &str) -> Option<usize> {
        if let Some(id) = identifier.value_at(&["primaryKeys", key]) {
            return self.account_position(id);
        }
        let unique = identifier.value("uniqueId")?;
        self.accounts
            .iter()
            .position(|account| account.unique_id == unique)
    }

    /// Adds an account and indexes it.
    pub fn insert_account(&mut self, account: Account) {
        self.index
            .accounts
            .insert(account.id.clone(), self.accounts.len());
        self.accounts.push(account);
    }

    /// Re-keys the account at `position` after its Account ID changed.
    pub fn rekey_account(&mut self, position: usize, old_id: &str) {
        self.index.accounts.remove(old_id);
        let new_id = self.accounts[position].id.clone();
        self.index.accounts.insert(new_id, position);
    }

    /// Position of the user named `user_name` (any case).
    pub fn user_position(&self, user_name: &str) -> Option<usize> {
        self.index.users.get(&user_name.to_lowercase()).copied()
    }

    /// Resolves a `userIdentifier` (uniqueId, userName or name + e-mail keys).
    pub fn resolve_user(&self, identifier: &Element) -> Option<usize> {
        if let Some(name) = identifier.value("userName") {
            return self.user_position(name);
        }
        if let Some(unique) = identifier.value("uniqueId") {
            return self.users.iter().position(|user| user.unique_id == unique);
        }
        let keys = identifier.child("primaryKeys")?;
        let email = keys.value("emailAddress")?;
        self.users.iter().position(|user| {
            user.email_address.eq_ignore_ascii_case(email)
                && Some(user.first_name.as_str()) == keys.value("firstName")
                && Some(user.last_name.as_str()) == keys.value("lastName")
        })
    }

    /// Adds a user and indexes it.
    pub fn insert_user(&mut self, user: User) {
        self.index
            .users
            .insert(user.user_name.to_lowercase(), self.users.len());
        self.users.push(user);
    }

    /// Finds a role by identifier element (`uniqueId` or `primaryKeys > name`).
    pub fn resolve_role(&self, identifier: &Element) -> Option<&Role> {
        if let Some(name) = identifier.value_at(&["primaryKeys", "name"]) {
            return self.roles.iter().find(|role| role.name == name);
        }
        let unique = identifier.value("uniqueId")?;
        self.roles.iter().find(|role| role.unique_id == unique)
    }

    /// Finds a product by name and version.
    pub fn product(&self, name: &str, version: &str) -> Option<&Product> {
        let key = (name.to_string(), version.to_string());
        self.index.products.get(&key).map(|&at| &self.products[at])
    }

    /// Finds a part number by its exact id.
    pub fn part_number(&self, part_id: &str) -> Option<&PartNumber> {
        self.index
            .part_numbers
            .get(part_id)
            .map(|&at| &self.part_numbers[at])
    }

    /// Finds a licence model by name.
    pub fn license_model(&self, name: &str) -> Option<&LicenseModel> {
        self.license_models.iter().find(|model| model.name == name)
    }

    /// Position of the entitlement with `entitlement_id`.
    pub fn entitlement_position(&self, entitlement_id: &str) -> Option<usize> {
        self.index.entitlements.get(entitlement_id).copied()
    }

    /// Resolves an `entitlementIdentifier` element.
    pub fn resolve_entitlement(&self, identifier: &Element) -> Option<usize> {
        if let Some(id) = identifier.value_at(&["primaryKeys", "entitlementId"]) {
            return self.entitlement_position(id);
        }
        let unique = identifier.value("uniqueId")?;
        self.entitlements
            .iter()
            .position(|entitlement| entitlement.unique_id == unique)
    }

    /// Adds an entitlement and indexes it with its line items.
    pub fn insert_entitlement(&mut self, entitlement: Entitlement) {
        let position = self.entitlements.len();
        self.index
            .entitlements
            .insert(entitlement.entitlement_id.clone(), position);
        for (line, item) in entitlement.line_items.iter().enumerate() {
            self.index
                .line_items
                .insert(item.activation_id.clone(), (position, line));
            self.index
                .file_order((position, line), item.order_id.as_deref());
        }
        self.entitlements.push(entitlement);
    }

    /// Re-keys an entitlement after its id changed.
    pub fn rekey_entitlement(&mut self, position: usize, old_id: &str) {
        self.index.entitlements.remove(old_id);
        let new_id = self.entitlements[position].entitlement_id.clone();
        self.index.entitlements.insert(new_id, position);
    }

    /// Indexes the line item at `(entitlement, line)`, dropping `old_activation_id`.
    pub fn index_line_item(&mut self, at: (usize, usize), old_activation_id: Option<&str>) {
        if let Some(old) = old_activation_id {
            self.index.line_items.remove(old);
        }
        let line = &self.entitlements[at.0].line_items[at.1];
        let id = line.activation_id.clone();
        let order = line.order_id.clone();
        self.index.line_items.insert(id, at);
        self.index.file_order(at, order.as_deref());
    }

    /// Positions `(entitlement, line)` of the lines whose `orderId` is
    /// `order_id`, in the order a scan finds them: a look-up, not a scan.
    pub fn lines_of_order(&self, order_id: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.index
            .orders
            .get(order_id)
            .into_iter()
            .flatten()
            .copied()
    }

    /// Position `(entitlement, line)` of the line with `activation_id`.
    pub fn line_position(&self, activation_id: &str) -> Option<(usize, usize)> {
        self.index.line_items.get(activation_id).copied()
    }

    /// Resolves an `entitlementLineItemIdentifier` element.
    pub fn resolve_line(&self, identifier: &Element) -> Option<(usize, usize)> {
        if let Some(id) = identifier.value_at(&["primaryKeys", "activationId"]) {
            return self.line_position(id);
        }
        let unique = identifier.value("uniqueId")?;
        self.entitlements
            .iter()
            .enumerate()
            .find_map(|(position, entitlement)| {
                let line = entitlement
                    .line_items
                    .iter()
                    .position(|item| item.unique_id == unique)?;
                Some((position, line))
            })
    }

    /// Whether an entitlement or activation ID is already taken.
    pub fn id_taken(&self, id: &str) -> bool {
        self.index.entitlements.contains_key(id) || self.index.line_items.contains_key(id)
    }

    /// Generates an unused ID in FNO's format: eight groups of four hex digits.
    pub fn generate_id(&self) -> String {
        let mut rng = rand::thread_rng();
        loop {
            let groups: Vec<String> = (0..8)
                .map(|_| format!("{:04x}", rng.gen::<u16>()))
                .collect();
            let id = groups.join("-");
            if !self.id_taken(&id) {
                return id;
            }
        }
    }

    /// Definitions of custom attributes for one entity type.
    pub fn definitions(
        &self,
        entity: AttributeEntity,
    ) -> impl Iterator<Item = &AttributeDefinition> {
        self.attribute_definitions
            .iter()
            .filter(move |definition| definition.entity == entity)
    }
}
