"""Fidelity of the Salesforce sandbox: the real simple-salesforce library logs
in (SOAP with a security token, and OAuth username-password), pages through
`query_all`, creates/updates/reads/deletes records, upserts, describes, and
raises its own exception types for a malformed query and an expired session.

simple-salesforce builds login URLs as https://{domain}.salesforce.com/...; a
domain of "127.0.0.1:PORT/login" turns that into a path on the sandbox, which
answers log-ins under any prefix. The session trusts the sandbox CA.
"""

from urllib.parse import urlparse

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)

USERNAME = "integration@fnosync.sandbox"
PASSWORD = "sandbox-password"
SECURITY_TOKEN = "SANDBOXSECURITYTOKEN"
CONSUMER_KEY = "3MVG9fnosyncSandboxConsumerKey"
CONSUMER_SECRET = "sandbox-consumer-secret"
PAGED_ACCOUNTS = 450


def _session(sandbox):
    session = requests.Session()
    # REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in the environment would override
    # the session's CA; the sandbox is local, so the environment is ignored.
    session.trust_env = False
    session.verify = sandbox.ca_path
    return session


def _host(sandbox):
    return urlparse(sandbox.salesforce_url).netloc


def _soap_login(sandbox):
    return Salesforce(
        username=USERNAME,
        password=PASSWORD,
        security_token=SECURITY_TOKEN,
        domain=f"{_host(sandbox)}/login",
        session=_session(sandbox),
    )


def _oauth_login(sandbox):
    return Salesforce(
        username=USERNAME,
        password=PASSWORD + SECURITY_TOKEN,
        consumer_key=CONSUMER_KEY,
        consumer_secret=CONSUMER_SECRET,
        domain=f"{_host(sandbox)}/login",
        session=_session(sandbox),
    )


def _admin(sandbox, method, path, **kwargs):
    response = _session(sandbox).request(method, f"{sandbox.salesforce_url}/__sandbox/{path}", **kwargs)
    response.raise_for_status()
    return response


def test_soap_login_with_security_token_reaches_the_guide_data(sandbox):
    sf = _soap_login(sandbox)

    result = sf.query("SELECT Name, Account.Name FROM Opportunity WHERE StageName = 'Closed Won'")

    assert sf.sf_instance == _host(sandbox)
    assert result["totalSize"] == 1
    assert result["records"][0]["Account"]["Name"] == "SF-DemoAccount"
    assert "api-usage" in sf.api_usage


def test_oauth_password_flow_logs_in(sandbox):
    sf = _oauth_login(sandbox)

    accounts = sf.query("SELECT Id FROM Account WHERE Name = 'SF-DemoAccount'")

    assert accounts["totalSize"] == 1


def test_query_all_pages_through_next_records_url(sandbox):
    sf = _oauth_login(sandbox)
    for start in range(0, PAGED_ACCOUNTS, 200):
        records = [
            {"attributes": {"type": "Account"}, "Name": f"Paged {i:04d}"}
            for i in range(start, min(start + 200, PAGED_ACCOUNTS))
        ]
        results = sf.restful("composite/sobjects", method="POST", json={"allOrNone": True, "records": records})
        assert all(r["success"] for r in results)

    result = sf.query_all(
        "SELECT Id, Name FROM Account WHERE Name LIKE 'Paged %' ORDER BY Name",
        headers={"Sforce-Query-Options": "batchSize=200"},
    )
    first_page = sf.query(
        "SELECT Id FROM Account WHERE Name LIKE 'Paged %'",
        headers={"Sforce-Query-Options": "batchSize=200"},
    )

    assert result["totalSize"] == PAGED_ACCOUNTS
    assert len(result["records"]) == PAGED_ACCOUNTS
    assert result["records"][-1]["Name"] == f"Paged {PAGED_ACCOUNTS - 1:04d}"
    assert first_page["done"] is False
    assert first_page["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")


def test_create_update_get_upsert_delete(sandbox):
    sf = _oauth_login(sandbox)
    account = sf.Account.create({"Name": "Python Co"})["id"]

    contact = sf.Contact.create({"LastName": "Py", "FirstName": "Monty", "AccountId": account})
    status = sf.Contact.update(contact["id"], {"Email": "monty@example.com"})
    fetched = sf.Contact.get(contact["id"])
    created = sf.Account.upsert("FNO__Account_ID__c/PY-1", {"Name": "Upserted Py"})
    updated = sf.Account.upsert("FNO__Account_ID__c/PY-1", {"Phone": "555"})
    by_external_id = sf.Account.get_by_custom_id("FNO__Account_ID__c", "PY-1")
    deleted = sf.Contact.delete(contact["id"])

    assert contact["success"] is True
    assert status == 204
    assert fetched["Email"] == "monty@example.com"
    assert fetched["Name"] == "Monty Py"
    assert (created, updated) == (201, 200)
    assert by_external_id["Phone"] == "555"
    assert deleted == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Contact.get(contact["id"])


def test_describe_shows_the_connector_fields(sandbox):
    sf = _oauth_login(sandbox)

    global_describe = sf.describe()
    line_items = sf.OpportunityLineItem.describe()

    names = {o["name"] for o in global_describe["sobjects"]}
    fields = {f["name"]: f for f in line_items["fields"]}
    assert {"Account", "Contact", "Opportunity", "OpportunityLineItem", "Product2"} <= names
    assert fields["FNO__Expiration_Term_Option__c"]["type"] == "picklist"
    assert [v["value"] for v in fields["FNO__Expiration_Term_Option__c"]["picklistValues"]] == [
        "Days",
        "Weeks",
        "Months",
        "Years",
    ]


def test_malformed_query_raises_malformed_request(sandbox):
    sf = _oauth_login(sandbox)

    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.query("SELECT Id FROM Account WHERE")

    assert error.value.content[0]["errorCode"] == "MALFORMED_QUERY"


def test_expired_session_raises_expired_session_for_a_direct_session(sandbox):
    token = _session(sandbox).post(
        f"{sandbox.salesforce_url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CONSUMER_KEY,
            "client_secret": CONSUMER_SECRET,
        },
    ).json()["access_token"]
    sf = Salesforce(instance=_host(sandbox), session_id=token, session=_session(sandbox))
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] >= 1

    _admin(sandbox, "POST", "expire-sessions")

    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM Account")


def test_a_client_that_logged_in_itself_recovers_from_expiry(sandbox):
    sf = _soap_login(sandbox)
    _admin(sandbox, "POST", "expire-sessions")

    result = sf.query("SELECT Id FROM Account WHERE Name = 'SF-DemoAccount'")

    assert result["totalSize"] == 1
