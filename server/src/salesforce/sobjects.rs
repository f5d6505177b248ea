//! Record writes and reads (reference §4, §5): batched updates through sObject
//! Collections (`PATCH composite/sobjects`, at most 200 records a call,
//! `allOrNone=false`, one result per record), and single-record create, get,
//! update and delete. Creates are not retried: a lost answer could mean a
//! record was made.

use futures::stream::StreamExt;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::client::{ApiRequest, SalesforceClient, Target};
use super::error::{SalesforceError, UNABLE_TO_LOCK_ROW};
use super::soql_literal::validate_identifier;

/// Most records one sObject Collections call may carry.
pub const MAX_COLLECTION_RECORDS: usize = 200;
/// Most sObject Collections subrequests one `composite` call may carry.
pub const MAX_COMPOSITE_COLLECTIONS: usize = 5;
const COLLECTION_UPDATE: &str = "composite.sobjects.update";
const COMPOSITE_UPDATE: &str = "composite.update";

/// One record to update: its object, id and the fields to set.
#[derive(Clone, Debug, PartialEq, serde::Serialize, Deserialize)]
pub struct RecordUpdate {
    /// Object API name, e.g. `Opportunity`.
    pub object: String,
    /// Record id.
    pub id: String,
    /// Fields to set (a JSON object); `null` clears a field.
    pub fields: Value,
}

/// A per-record error of sObject Collections (`statusCode`, not `errorCode`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RecordError {
    /// Salesforce's code, e.g. `REQUIRED_FIELD_MISSING`.
    #[serde(rename = "statusCode", alias = "errorCode", default)]
    pub status_code: String,
    /// Salesforce's message, verbatim.
    #[serde(default)]
    pub message: String,
    /// Fields the error is about.
    #[serde(default)]
    pub fields: Vec<String>,
}

/// Outcome of one record of a collection call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordResult {
    /// Id of the record (the one asked for; failed items carry none in the answer).
    pub id: String,
    /// Whether the write happened.
    pub success: bool,
    /// Why not, when it did not.
    pub errors: Vec<RecordError>,
}

#[derive(Deserialize)]
struct RawRecordResult {
    #[serde(default)]
    id: Option<String>,
    success: bool,
    #[serde(default)]
    errors: Vec<RecordError>,
}

/// Pairs a collection answer with the records sent, in request order.
pub fn parse_collection_results(
    body: Value,
    sent: &[RecordUpdate],
) -> Result<Vec<RecordResult>, SalesforceError> {
    let raw: Vec<RawRecordResult> =
        serde_json::from_value(body).map_err(|e| SalesforceError::decode(COLLECTION_UPDATE, e))?;
    if raw.len() != sent.len() {
        return Err(SalesforceError::decode(
            COLLECTION_UPDATE,
            format!("{} results for {} records", raw.len(), sent.len()),
        ));
    }
    Ok(raw
        .into_iter()
        .zip(sent)
        .map(|(result, record)| RecordResult {
            id: result.id.unwrap_or_else(|| record.id.clone()),
            success: result.success,
            errors: result.errors,
        })
        .collect())
}

fn collection_body(batch: &[RecordUpdate]) -> Result<Value, SalesforceError> {
    let records = batch
        .iter()
        .map(|update| {
            validate_identifier(&update.object)?;
            let mut record = match &update.fields {
                Value::Object(fields) => fields.clone(),
                _ => {
                    return Err(SalesforceError::Soql(format!(
                        "the fields of {} {} are not a JSON object",
                        update.object, update.id
                    )))
                }
            };
            record.insert("attributes".into(), json!({"type": update.object}));
            record.insert("id".into(), Value::String(update.id.clone()));
            Ok(Value::Object(record))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({"allOrNone": false, "records": records}))
}

fn is_lock_failure(result: &RecordResult) -> bool {
    !result.success
        && !result.errors.is_empty()
        && result
            .errors
            .iter()
            .all(|e| e.status_code == UNABLE_TO_LOCK_ROW)
}

impl SalesforceClient {
    /// Updates records of one object in batches of 200; see [`Self::update_many`].
    pub async fn update_records(
        &self,
        object: &str,
        updates: Vec<(String, Value)>,
    ) -> Result<Vec<RecordResult>, SalesforceError> {
        let updates: Vec<RecordUpdate> = updates
            .into_iter()
            .map(|(id, fields)| RecordUpdate {
                object: object.to_string(),
                id,
                fields,
            })
            .collect();
        self.update_many(&updates).await
    }

    /// Updates records (of any objects) in batches of 200 with
    /// `allOrNone=false` and returns one result per record, in order. Up to
    /// five batches travel in one `composite` call (one API request), and up
    /// to the handle's concurrency of these calls are under way at once. Updates
    /// are idempotent, so a failed call is retried, and records refused with
    /// `UNABLE_TO_LOCK_ROW` are sent again within the retry policy.
    pub async fn update_many(
        &self,
        updates: &[RecordUpdate],
    ) -> Result<Vec<RecordResult>, SalesforceError> {
        let batches: Vec<&[RecordUpdate]> = updates.chunks(MAX_COLLECTION_RECORDS).collect();
        let calls: Vec<_> = batches
            .chunks(MAX_COMPOSITE_COLLECTIONS)
            .map(|group| self.update_group(group))
            .collect();
        let mut groups = futures::stream::iter(calls).buffered(self.concurrency());
        let mut results = Vec::with_capacity(updates.len());
        while let Some(group) = groups.next().await {
            results.extend(group?);
        }
        Ok(results)
    }

    /// Sends one group of up to five batches (one call) and returns their
    /// results, records refused as locked sent again.
    async fn update_group(
        &self,
        group: &[&[RecordUpdate]],
    ) -> Result<Vec<RecordResult>, SalesforceError> {
        let answers = match group {
            [batch] => vec![self.send_collection_update(batch).await?],
            _ => self.send_composite_updates(group).await?,
        };
        let mut results = Vec::new();
        for (batch, answer) in group.iter().zip(answers) {
            results.extend(self.retry_locked(batch, answer).await?);
        }
        Ok(results)
    }

    async fn retry_locked(
        &self,
        batch: &[RecordUpdate],
        mut results: Vec<RecordResult>,
    ) -> Result<Vec<RecordResult>, SalesforceError> {
        for attempt in 1..self.retry_policy().max_attempts {
            let locked: Vec<usize> = (0..results.len())
                .filter(|&i| is_lock_failure(&results[i]))
                .collect();
            if locked.is_empty() {
                break;
            }
            if !self.retry_policy().pause(attempt).await {
                break;
            }
            let again: Vec<RecordUpdate> = locked.iter().map(|&i| batch[i].clone()).collect();
            let retried = self.send_collection_update(&again).await?;
            for (index, result) in locked.into_iter().zip(retried) {
                results[index] = result;
            }
        }
        Ok(results)
    }

    /// Sends several collection updates as the subrequests of one
    /// `composite` call; a subrequest Salesforce refused as a whole fails
    /// each of its records with Salesforce's errors.
    async fn send_composite_updates(
        &self,
        batches: &[&[RecordUpdate]],
    ) -> Result<Vec<Vec<RecordResult>>, SalesforceError> {
        let url = format!(
            "/services/data/v{}/composite/sobjects",
            self.config().api_version
        );
        let subrequests = batches
            .iter()
            .enumerate()
            .map(|(index, batch)| {
                Ok(json!({
                    "method": "PATCH",
                    "url": url,
                    "referenceId": format!("batch{index}"),
                    "body": collection_body(batch)?,
                }))
            })
            .collect::<Result<Vec<_>, SalesforceError>>()?;
        let request = ApiRequest::new(
            COMPOSITE_UPDATE,
            reqwest::Method::POST,
            Target::Data("composite".into()),
        )
        .json(json!({ "allOrNone": false, "compositeRequest": subrequests }));
        let body = self
            .call(request, true)
            .await?
            .ok_or_else(|| SalesforceError::decode(COMPOSITE_UPDATE, "empty answer"))?;
        let responses = body
            .get("compositeResponse")
            .and_then(Value::as_array)
            .filter(|responses| responses.len() == batches.len())
            .ok_or_else(|| {
                SalesforceError::decode(COMPOSITE_UPDATE, "no compositeResponse per subrequest")
            })?;
        batches
            .iter()
            .zip(responses)
            .map(|(batch, response)| {
                let status = response.get("httpStatusCode").and_then(Value::as_u64);
                let body = response.get("body").cloned().unwrap_or(Value::Null);
                if status == Some(200) {
                    return parse_collection_results(body, batch);
                }
                let errors: Vec<RecordError> =
                    serde_json::from_value(body.clone()).unwrap_or_else(|_| {
                        vec![RecordError {
                            status_code: format!("HTTP {}", status.unwrap_or_default()),
                            message: format!("the composite subrequest failed: {body}"),
                            fields: Vec::new(),
                        }]
                    });
                Ok(batch
                    .iter()
                    .map(|record| RecordResult {
                        id: record.id.clone(),
                        success: false,
                        errors: errors.clone(),
                    })
                    .collect())
            })
            .collect()
    }

    async fn send_collection_update(
        &self,
        batch: &[RecordUpdate],
    ) -> Result<Vec<RecordResult>, SalesforceError> {
        let request = ApiRequest::new(
            COLLECTION_UPDATE,
            reqwest::Method::PATCH,
            Target::Data("composite/sobjects".into()),
        )
        .json(collection_body(batch)?);
        let body = self
            .call(request, true)
            .await?
            .ok_or_else(|| SalesforceError::decode(COLLECTION_UPDATE, "empty answer"))?;
        parse_collection_results(body, batch)
    }

    /// Creates one record and returns its id (not retried).
    pub async fn create_record(
        &self,
        object: &str,
        fields: &Value,
    ) -> Result<String, SalesforceError> {
        validate_identifier(object)?;
        let request = ApiRequest::new(
            "sobject.create",
            reqwest::Method::POST,
            Target::Data(format!("sobjects/{object}")),
        )
        .json(fields.clone());
        let body = self.call(request, false).await?.unwrap_or(Value::Null);
        body.get("id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| SalesforceError::decode("sobject.create", "the answer has no id"))
    }

    /// Reads one record; with `fields` empty, every field.
    pub async fn get_record(
        &self,
        object: &str,
        id: &str,
        fields: &[&str],
    ) -> Result<Map<String, Value>, SalesforceError> {
        validate_identifier(object)?;
        validate_record_id(id)?;
        let mut request = ApiRequest::get("sobject.get", format!("sobjects/{object}/{id}"));
        if !fields.is_empty() {
            for field in fields {
                validate_identifier(field)?;
            }
            request = request.query_param("fields", fields.join(","));
        }
        match self.call(request, true).await? {
            Some(Value::Object(record)) => Ok(record),
            _ => Err(SalesforceError::decode(
                "sobject.get",
                "the answer is not a record",
            )),
        }
    }

    /// Updates one record (idempotent, so retried).
    pub async fn update_record(
        &self,
        object: &str,
        id: &str,
        fields: &Value,
    ) -> Result<(), SalesforceError> {
        validate_identifier(object)?;
        validate_record_id(id)?;
        let request = ApiRequest::new(
            "sobject.update",
            reqwest::Method::PATCH,
            Target::Data(format!("sobjects/{object}/{id}")),
        )
        .json(fields.clone());
        self.call(request, true).await.map(|_| ())
    }

    /// Deletes one record.
    pub async fn delete_record(&self, object: &str, id: &str) -> Result<(), SalesforceError> {
        validate_identifier(object)?;
        validate_record_id(id)?;
        let request = ApiRequest::new(
            "sobject.delete",
            reqwest::Method::DELETE,
            Target::Data(format!("sobjects/{object}/{id}")),
        );
        self.call(request, false).await.map(|_| ())
    }
}

/// Accepts 15- or 18-character alphanumeric record ids only, since the id
/// becomes part of a URL path.
fn validate_record_id(id: &str) -> Result<(), SalesforceError> {
    if matches!(id.len(), 15 | 18) && id.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(SalesforceError::Soql(format!("{id:?} is not a record id")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(id: &str) -> RecordUpdate {
        RecordUpdate {
            object: "Opportunity".into(),
            id: id.into(),
            fields: json!({"FNO__Entitlement_ID__c": "ENT-1"}),
        }
    }

    #[test]
    fn collection_results_pair_with_the_records_sent() {
        let sent = [update("006000000000001AAA"), update("006000000000002AAA")];
        let body = json!([
            {"id": "006000000000001AAA", "success": true, "errors": []},
            {"success": false, "errors": [{"statusCode": "REQUIRED_FIELD_MISSING",
                "message": "Required fields are missing: [Name]", "fields": ["Name"]}]}
        ]);

        let results = parse_collection_results(body, &sent).expect("valid answer");

        assert!(results[0].success);
        assert_eq!(results[1].id, "006000000000002AAA");
        assert!(!results[1].success);
        assert_eq!(results[1].errors[0].status_code, "REQUIRED_FIELD_MISSING");
        assert_eq!(results[1].errors[0].fields, vec!["Name".to_string()]);
    }

    #[test]
    fn a_result_count_mismatch_is_a_decode_error() {
        let sent = [update("006000000000001AAA")];

        let outcome = parse_collection_results(json!([]), &sent);

        assert!(matches!(outcome, Err(SalesforceError::Decode { .. })));
    }

    #[test]
    fn the_collection_body_types_every_record_and_never_rolls_back_all() {
        let body = collection_body(&[update("006000000000001AAA")]).expect("valid body");

        assert_eq!(
            body,
            json!({"allOrNone": false, "records": [{
                "attributes": {"type": "Opportunity"}, "id": "006000000000001AAA",
                "FNO__Entitlement_ID__c": "ENT-1"}]})
        );
    }

    #[test]
    fn only_row_lock_failures_are_sent_again() {
        let locked = RecordResult {
            id: "x".into(),
            success: false,
            errors: vec![RecordError {
                status_code: UNABLE_TO_LOCK_ROW.into(),
                message: "unable to obtain exclusive access to this record".into(),
                fields: vec![],
            }],
        };
        let invalid = RecordResult {
            errors: vec![RecordError {
                status_code: "INVALID_FIELD".into(),
                message: "bad".into(),
                fields: vec![],
            }],
            ..locked.clone()
        };

        assert!(is_lock_failure(&locked));
        assert!(!is_lock_failure(&invalid));
    }

    #[test]
    fn record_ids_must_look_like_ids() {
        assert!(validate_record_id("001a500001xOYkQAAW").is_ok());
        assert!(validate_record_id("001a500001xOYkQ").is_ok());
        assert!(validate_record_id("../../limits").is_err());
        assert!(validate_record_id("001a500001xOYkQAA?").is_err());
    }
}
