//! SOQL queries (reference §3.1): the first page from `query` (or
//! `queryAll`), then every `nextRecordsUrl` until `done`; child subquery
//! results nested in records are completed the same way when Salesforce
//! cut them short. Only a built `Soql` can be sent.

use futures::stream::{self, Stream, StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::client::{ApiRequest, SalesforceClient, Target};
use super::error::SalesforceError;
use super::soql::Soql;

/// Header asking for a page size (a hint: 200 to 2,000, default 2,000).
pub const QUERY_OPTIONS_HEADER: &str = "Sforce-Query-Options";
const QUERY: &str = "query";
const QUERY_MORE: &str = "query.more";
const COMPOSITE_QUERY: &str = "composite.query";
/// Most queries one `composite` call may carry (Salesforce allows five
/// sObject Collections or query subrequests per call).
pub const MAX_COMPOSITE_QUERIES: usize = 5;

/// The answer of a `composite` call, each subrequest's body left unread.
#[derive(Deserialize)]
struct CompositeAnswer {
    #[serde(rename = "compositeResponse")]
    responses: Vec<SubAnswer>,
}

#[derive(Deserialize)]
struct SubAnswer {
    #[serde(rename = "httpStatusCode")]
    status: u16,
    body: Box<RawValue>,
}

/// Reads a page of a query result from its text.
fn read_page(text: &str) -> Result<QueryPage, SalesforceError> {
    let page: QueryPage =
        serde_json::from_str(text).map_err(|e| SalesforceError::decode(QUERY, e))?;
    page.checked()
}

/// One page of a query result.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct QueryPage {
    /// Size of the whole result (not of this page).
    #[serde(rename = "totalSize")]
    pub total_size: u64,
    /// Whether this is the last page.
    pub done: bool,
    /// Records of this page.
    #[serde(default)]
    pub records: Vec<Value>,
    /// Path of the next page, when not done.
    #[serde(rename = "nextRecordsUrl", default)]
    pub next_records_url: Option<String>,
}

impl QueryPage {
    /// Reads a page (or a nested child result) from its JSON.
    pub fn from_json(value: Value) -> Result<Self, SalesforceError> {
        let page: Self =
            serde_json::from_value(value).map_err(|e| SalesforceError::decode(QUERY, e))?;
        page.checked()
    }

    fn checked(self) -> Result<Self, SalesforceError> {
        if !self.done && self.next_records_url.is_none() {
            return Err(SalesforceError::decode(
                QUERY,
                "a page that is not done has no nextRecordsUrl",
            ));
        }
        Ok(self)
    }
}

/// Options of a query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryOptions {
    /// Page size asked for with `Sforce-Query-Options: batchSize=N`.
    pub batch_size: Option<u32>,
    /// Use `queryAll`, which also returns deleted and archived rows.
    pub include_deleted: bool,
}

enum Cursor {
    Start,
    Next(String),
    Finished,
}

impl SalesforceClient {
    /// Runs `soql` and returns every record of every page.
    pub async fn query(&self, soql: &Soql) -> Result<Vec<Value>, SalesforceError> {
        self.query_with(soql, &QueryOptions::default()).await
    }

    /// Runs `soql` with options and returns every record of every page.
    pub async fn query_with(
        &self,
        soql: &Soql,
        options: &QueryOptions,
    ) -> Result<Vec<Value>, SalesforceError> {
        let pages: Vec<QueryPage> = self.query_pages(soql, options).try_collect().await?;
        Ok(pages.into_iter().flat_map(|p| p.records).collect())
    }

    /// Runs `soql` and deserializes every record into `T`.
    pub async fn query_as<T: DeserializeOwned>(
        &self,
        soql: &Soql,
    ) -> Result<Vec<T>, SalesforceError> {
        self.query(soql)
            .await?
            .into_iter()
            .map(|record| {
                serde_json::from_value(record).map_err(|e| SalesforceError::decode(QUERY, e))
            })
            .collect()
    }

    /// Streams the pages of `soql`, one call per page, child results completed.
    pub fn query_pages<'a>(
        &'a self,
        soql: &'a Soql,
        options: &'a QueryOptions,
    ) -> impl Stream<Item = Result<QueryPage, SalesforceError>> + 'a {
        stream::try_unfold(Cursor::Start, move |cursor| async move {
            let mut page = match cursor {
                Cursor::Finished => return Ok(None),
                Cursor::Start => self.query_first_page(soql, options).await?,
                Cursor::Next(url) => self.query_more(&url, options).await?,
            };
            for record in &mut page.records {
                self.complete_children(record, options).await?;
            }
            let next = match (&page.done, &page.next_records_url) {
                (false, Some(url)) => Cursor::Next(url.clone()),
                _ => Cursor::Finished,
            };
            Ok(Some((page, next)))
        })
    }

    /// Runs several queries and turns every row of each into a `T` with
    /// `row` (given the query's position in `soqls`), in order: up to
    /// [`MAX_COMPOSITE_QUERIES`] travel in one `composite` call (one API
    /// request), up to the handle's concurrency of these calls under way at
    /// once, then each result's further pages are fetched as usual.
    /// Each answer is read one query at a time and each row let go once
    /// turned, so a packed call costs little more memory than one query. A
    /// query Salesforce refused fails the whole read with its error.
    pub async fn query_many<T>(
        &self,
        soqls: &[Soql],
        row: impl Fn(usize, Value) -> Result<T, SalesforceError>,
    ) -> Result<Vec<T>, SalesforceError> {
        let queries: Vec<(Soql, bool)> = soqls.iter().map(|soql| (soql.clone(), false)).collect();
        self.query_many_of(&queries, row).await
    }

    /// [`query_many`](Self::query_many) of queries each with whether it
    /// also reads deleted rows (`queryAll`).
    pub async fn query_many_of<T>(
        &self,
        queries: &[(Soql, bool)],
        row: impl Fn(usize, Value) -> Result<T, SalesforceError>,
    ) -> Result<Vec<T>, SalesforceError> {
        let row = &row;
        let calls: Vec<_> = queries
            .chunks(MAX_COMPOSITE_QUERIES)
            .enumerate()
            .map(|(number, group)| self.query_group(number * MAX_COMPOSITE_QUERIES, group, row))
            .collect();
        let mut groups = stream::iter(calls).buffered(self.concurrency());
        let mut rows = Vec::new();
        while let Some(group) = groups.next().await {
            rows.extend(group?);
        }
        Ok(rows)
    }

    /// Reads one group of up to five queries (one call, then their further
    /// pages), the first of them at position `first` of the caller's queries.
    async fn query_group<T>(
        &self,
        first: usize,
        group: &[(Soql, bool)],
        row: &impl Fn(usize, Value) -> Result<T, SalesforceError>,
    ) -> Result<Vec<T>, SalesforceError> {
        let mut rows = Vec::new();
        if let [(soql, include_deleted)] = group {
            let options = QueryOptions {
                include_deleted: *include_deleted,
                ..QueryOptions::default()
            };
            for record in self.query_with(soql, &options).await? {
                rows.push(row(first, record)?);
            }
            return Ok(rows);
        }
        let options = QueryOptions::default();
        let answers = self.composite_first_pages(group).await?;
        for (offset, answer) in answers.into_iter().enumerate() {
            let mut page = read_page(answer.get())?;
            drop(answer);
            loop {
                for mut record in std::mem::take(&mut page.records) {
                    self.complete_children(&mut record, &options).await?;
                    rows.push(row(first + offset, record)?);
                }
                match (page.done, page.next_records_url.take()) {
                    (false, Some(url)) => page = self.query_more(&url, &options).await?,
                    _ => break,
                }
            }
        }
        Ok(rows)
    }

    /// Sends up to five queries as the subrequests of one `composite` call
    /// and returns the first page of each, unread.
    async fn composite_first_pages(
        &self,
        soqls: &[(Soql, bool)],
    ) -> Result<Vec<Box<RawValue>>, SalesforceError> {
        let version = &self.config().api_version;
        let subrequests: Vec<Value> = soqls
            .iter()
            .enumerate()
            .map(|(index, (soql, include_deleted))| {
                let q: String =
                    url::form_urlencoded::byte_serialize(soql.as_str().as_bytes()).collect();
                let resource = if *include_deleted { "queryAll" } else { QUERY };
                serde_json::json!({
                    "method": "GET",
                    "url": format!("/services/data/v{version}/{resource}?q={q}"),
                    "referenceId": format!("query{index}"),
                })
            })
            .collect();
        let request = ApiRequest::new(
            COMPOSITE_QUERY,
            reqwest::Method::POST,
            Target::Data("composite".into()),
        )
        .json(serde_json::json!({ "allOrNone": false, "compositeRequest": subrequests }));
        let count = soqls.len();
        self.call_with(request, true, move |operation, bytes| {
            let answer: CompositeAnswer =
                serde_json::from_slice(bytes).map_err(|e| SalesforceError::decode(operation, e))?;
            if answer.responses.len() != count {
                return Err(SalesforceError::decode(
                    operation,
                    "no compositeResponse per subrequest",
                ));
            }
            answer
                .responses
                .into_iter()
                .map(|sub| match sub.status {
                    200 => Ok(sub.body),
                    status => Err(SalesforceError::from_response(
                        QUERY,
                        status,
                        sub.body.get().as_bytes(),
                    )),
                })
                .collect()
        })
        .await
    }

    /// Fetches the first page of `soql`.
    pub async fn query_first_page(
        &self,
        soql: &Soql,
        options: &QueryOptions,
    ) -> Result<QueryPage, SalesforceError> {
        let resource = if options.include_deleted {
            "queryAll"
        } else {
            QUERY
        };
        let request = with_batch_size(
            ApiRequest::get(QUERY, resource).query_param("q", soql.as_str()),
            options,
        );
        self.fetch_page(request).await
    }

    /// Fetches the page a `nextRecordsUrl` names.
    pub async fn query_more(
        &self,
        next_records_url: &str,
        options: &QueryOptions,
    ) -> Result<QueryPage, SalesforceError> {
        // The locator is a path on the same instance; anything else is refused
        // so that an answer cannot send the token elsewhere.
        if !next_records_url.starts_with("/services/data/") {
            return Err(SalesforceError::decode(
                QUERY_MORE,
                format!("unexpected nextRecordsUrl {next_records_url:?}"),
            ));
        }
        let request = ApiRequest::new(
            QUERY_MORE,
            reqwest::Method::GET,
            Target::Instance(next_records_url.to_string()),
        );
        self.fetch_page(with_batch_size(request, options)).await
    }

    async fn fetch_page(&self, request: ApiRequest) -> Result<QueryPage, SalesforceError> {
        let operation = request.operation;
        let body = self
            .call(request, true)
            .await?
            .ok_or_else(|| SalesforceError::decode(operation, "empty query answer"))?;
        QueryPage::from_json(body)
    }

    /// Follows the `nextRecordsUrl` of every nested child result that is not done.
    async fn complete_children(
        &self,
        record: &mut Value,
        options: &QueryOptions,
    ) -> Result<(), SalesforceError> {
        let Some(fields) = record.as_object_mut() else {
            return Ok(());
        };
        for value in fields.values_mut() {
            let Some(mut url) = unfinished_child_url(value) else {
                continue;
            };
            let mut extra = Vec::new();
            loop {
                let page = self.query_more(&url, options).await?;
                extra.extend(page.records);
                match (page.done, page.next_records_url) {
                    (false, Some(next)) => url = next,
                    _ => break,
                }
            }
            finish_child(value, extra);
        }
        Ok(())
    }
}

/// Appends the fetched rest of a child result and marks it done.
fn finish_child(child: &mut Value, rest: Vec<Value>) {
    let Some(child) = child.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(records)) = child.get_mut("records") {
        records.extend(rest);
    }
    child.insert("done".into(), Value::Bool(true));
    child.remove("nextRecordsUrl");
}

fn with_batch_size(request: ApiRequest, options: &QueryOptions) -> ApiRequest {
    match options.batch_size {
        Some(size) => request.header(QUERY_OPTIONS_HEADER, format!("batchSize={size}")),
        None => request,
    }
}

/// Returns the `nextRecordsUrl` of a nested child result that is not done.
fn unfinished_child_url(value: &Value) -> Option<String> {
    let child = value.as_object()?;
    child.get("records")?.as_array()?;
    if child.get("done").and_then(Value::as_bool) != Some(false) {
        return None;
    }
    child
        .get("nextRecordsUrl")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Returns the records of a child relationship of `record`; a `null`
/// (no children) or absent relationship gives none.
pub fn child_records<'a>(record: &'a Value, relationship: &str) -> &'a [Value] {
    record
        .get(relationship)
        .and_then(|child| child.get("records"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_page_with_a_locator_is_read() {
        let page = QueryPage::from_json(json!({
            "totalSize": 3, "done": false,
            "records": [{"attributes": {"type": "Account", "url": "/services/data/v59.0/sobjects/Account/001"}, "Id": "001", "Name": "A"}],
            "nextRecordsUrl": "/services/data/v59.0/query/01gD0000002HU6KIAW-2000"
        }))
        .expect("valid page");

        assert_eq!(page.total_size, 3);
        assert!(!page.done);
        assert_eq!(page.records[0]["Name"], "A");
        assert_eq!(
            page.next_records_url.as_deref(),
            Some("/services/data/v59.0/query/01gD0000002HU6KIAW-2000")
        );
    }

    #[test]
    fn a_page_not_done_without_locator_is_refused() {
        let error = QueryPage::from_json(json!({"totalSize": 3, "done": false, "records": []}));

        assert!(matches!(error, Err(SalesforceError::Decode { .. })));
    }

    #[test]
    fn child_results_are_read_and_null_means_none() {
        let record = json!({
            "Id": "001",
            "Contacts": {"totalSize": 2, "done": true, "records": [{"Id": "003a"}, {"Id": "003b"}]},
            "Opportunities": null
        });

        assert_eq!(child_records(&record, "Contacts").len(), 2);
        assert!(child_records(&record, "Opportunities").is_empty());
        assert!(child_records(&record, "Cases").is_empty());
    }

    #[test]
    fn a_finished_child_result_holds_every_record() {
        let mut child = json!({"totalSize": 3, "done": false, "records": [{"Id": "003a"}],
            "nextRecordsUrl": "/services/data/v59.0/query/01gX-1"});

        finish_child(
            &mut child,
            vec![json!({"Id": "003b"}), json!({"Id": "003c"})],
        );

        assert_eq!(child["done"], true);
        assert!(child.get("nextRecordsUrl").is_none());
        assert_eq!(child["records"].as_array().map(Vec::len), Some(3));
        assert_eq!(
            QueryPage::from_json(child).expect("valid").records[2]["Id"],
            "003c"
        );
    }

    #[test]
    fn only_unfinished_child_results_are_followed() {
        let unfinished = json!({"totalSize": 2500, "done": false, "records": [],
            "nextRecordsUrl": "/services/data/v59.0/query/01gX-2000"});
        let finished = json!({"totalSize": 1, "done": true, "records": []});
        let parent = json!({"attributes": {"type": "Account"}, "Name": "x"});

        assert_eq!(
            unfinished_child_url(&unfinished).as_deref(),
            Some("/services/data/v59.0/query/01gX-2000")
        );
        assert_eq!(unfinished_child_url(&finished), None);
        assert_eq!(unfinished_child_url(&parent), None);
        assert_eq!(unfinished_child_url(&json!("text")), None);
    }
}
