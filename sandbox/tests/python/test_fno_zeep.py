"""Fidelity of the FNO sandbox (started by the session fixture `sandbox` of
conftest.py): the real `zeep` SOAP client, driven by the WSDLs
the sandbox serves, creates an account and a user, reads a product and a part
number, creates an entitlement with a line item and reads it back.

FNO's WSDLs name their service, port and binding `vN/...`, which is not a valid
XML QName; lxml-based clients such as zeep refuse them. As a client of the real
FNO would have to, the test drops that prefix (and nothing else) before loading.
"""

import re
import tempfile
from pathlib import Path

import requests
from zeep import Client
from zeep.transports import Transport

SERVICES = "flexnet/services"


def _client(sandbox, service):
    """A zeep client for `service`, built from the WSDL the sandbox serves."""
    base_url, ca_path = sandbox.fno_url, sandbox.ca_path
    session = requests.Session()
    # REQUESTS_CA_BUNDLE in the environment would override the session's CA.
    session.trust_env = False
    session.verify = ca_path
    session.auth = ("admin", "admin")
    wsdl = session.get(f"{base_url}/{SERVICES}/{service}?wsdl", timeout=10).text
    assert f'location="{base_url}/{SERVICES}/{service}"' in wsdl
    # The one documented change: drop the `vN/` prefix from name/binding attributes.
    patched = re.sub(r'(name|binding)="(impl:)?v\d+/', r'\1="\2', wsdl)
    path = Path(tempfile.mkdtemp()) / "service.wsdl"
    path.write_text(patched)
    return Client(str(path), transport=Transport(session=session, timeout=10))


def test_zeep_creates_an_account_and_a_user(sandbox):
    accounts = _client(sandbox, "v3/UserAcctHierarchyService")
    created = accounts.service.createAccount(
        account=[{"id": "001ZEEP", "name": "Zeep & <Sons>", "accountType": "CUSTOMER"}]
    )
    assert created.statusInfo.status == "SUCCESS"
    assert created.responseData.account[0].primaryKeys.id == "001ZEEP"

    user = accounts.service.createUser(
        user=[
            {
                "firstName": "Demo",
                "lastName": "SF-TestUser",
                "emailAddress": "sf-testuser@mycompany.com",
                "canLogin": True,
                "userName": "sf-testuser@mycompany.com",
                "acctRolesList": {
                    "acctRoles": [
                        {
                            "account": {"primaryKeys": {"id": "001ZEEP"}},
                            "roles": {"role": [{"primaryKeys": {"name": "Portal Admin User"}}]},
                        }
                    ]
                },
            }
        ]
    )
    assert user.statusInfo.status == "SUCCESS"

    found = accounts.service.getUsersQuery(
        queryParams={"accountID": {"value": "001ZEEP", "searchType": "EQUALS"}},
        pageNumber=1,
        batchSize=10,
    )
    detail = found.responseData.user[0]
    assert detail.userIdentifier.userName == "sf-testuser@mycompany.com"
    assert detail.accountRolesList.acctRoles[0].roles.roleName == ["Portal Admin User"]

    queried = accounts.service.getAccountsQuery(
        queryParams={"accountID": {"value": "001ZEEP", "searchType": "EQUALS"}},
        pageNumber=1,
        batchSize=10,
    )
    assert queried.responseData.acctData[0].name == "Zeep & <Sons>"


def test_zeep_reads_the_demo_product_and_part_number(sandbox):
    products = _client(sandbox, "v2/ProductPackagingService")
    answer = products.service.getProductsQuery(
        queryParams={"partNumber": {"value": "SF01demo", "searchType": "EQUALS"}},
        pageNumber=1,
        batchSize=10,
        returnContainedObjects=True,
    )
    product = answer.responseData.product[0]
    assert (product.productName, product.version, product.state) == ("SF-DemoProduct", "1.0", "DEPLOYED")

    parts = products.service.getPartNumbersQuery(
        queryParams={"partId": {"value": "SF01demo", "searchType": "EQUALS"}},
        pageNumber=1,
        batchSize=10,
    )
    assert parts.responseData.partNumber[0].mappedProduct.primaryKeys.name == "SF-DemoProduct"


def test_zeep_creates_an_entitlement_and_reads_it_back(sandbox):
    accounts = _client(sandbox, "v3/UserAcctHierarchyService")
    accounts.service.createAccount(account=[{"id": "001ENT", "name": "Entitled"}])
    entitlements = _client(sandbox, "v4/EntitlementOrderService")
    created = entitlements.service.createSimpleEntitlement(
        simpleEntitlement=[
            {
                "entitlementId": {"autoGenerate": True},
                "description": "SF-TestOpportunity",
                "soldTo": "001ENT",
                "lineItems": [
                    {
                        "activationId": {"autoGenerate": True},
                        "partNumber": {"primaryKeys": {"partId": "SF01demo"}},
                        "orderId": "006ZEEP",
                        "orderLineNumber": "1",
                        "numberOfCopies": 10,
                        "startDateOption": "DEFINE_ACTDATE_AT_FIRST_ACTIVATION",
                        "isPermanent": False,
                        "term": {"numDuration": 1, "durationUnit": "MONTHS"},
                    }
                ],
            }
        ]
    )
    assert created.statusInfo.status == "SUCCESS"
    result = created.responseData.createdSimpleEntitlement[0]
    entitlement_id = result.entitlementId
    activation_id = result.lineItemIdentifiers[0].primaryKeys.activationId

    search = entitlements.service.getEntitlementsQuery(
        entitlementSearchCriteria={"entitlementId": {"value": entitlement_id, "searchType": "EQUALS"}},
        batchSize=10,
        pageNumber=1,
    )
    simple = search.entitlement[0].simpleEntitlement
    assert simple.soldTo == "001ENT"
    assert simple.state == "DRAFT"
    assert simple.lineItems[0].numberOfRemainingCopies == 10

    lines = entitlements.service.getEntitlementLineItemPropertiesQuery(
        queryParams={"orderId": {"value": "006ZEEP", "searchType": "EQUALS"}},
        entitlementLineItemResponseConfig={
            "activationId": True,
            "orderId": True,
            "numberOfCopies": True,
            "numberOfRemainingCopies": True,
        },
        batchSize=10,
        pageNumber=1,
    )
    line = lines.entitlementLineItem[0]
    assert line.activationId.primaryKeys.activationId == activation_id
    assert (line.numberOfCopies, line.numberOfRemainingCopies) == (10, 10)


def test_zeep_sees_a_failure_status_for_an_unknown_part_number(sandbox):
    entitlements = _client(sandbox, "v4/EntitlementOrderService")
    answer = entitlements.service.createSimpleEntitlement(
        simpleEntitlement=[
            {
                "entitlementId": {"autoGenerate": True},
                "lineItems": [
                    {
                        "activationId": {"autoGenerate": True},
                        "partNumber": {"primaryKeys": {"partId": "NO-SUCH-PART"}},
                        "numberOfCopies": 1,
                        "startDateOption": "DEFINE_ACTDATE_AT_FIRST_ACTIVATION",
                        "isPermanent": True,
                    }
                ],
            }
        ]
    )
    assert answer.statusInfo.status == "FAILURE"
    assert answer.failedData.failedSimpleEntitlement[0].reason.startswith("9999:")
