#!/usr/bin/env python3
"""The product guide's example flow, driven through the Python SDK.

Configures a fresh fnosync server as an administrator does (remote sites, the
FNO and Salesforce connections, the licence, the filters), starts the one-time
sync of the example account, follows the run until it ends and checks that it
completed and that the transaction logs show the entitlement it created.
Prints one JSON line with the run and the entitlement and exits 0; any failed
check exits non-zero with the reason.

Reads the environment (all required):
  FNOSYNC_SERVER, FNOSYNC_TOKEN       the server URL and an admin token
  SALESFORCE_URL, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET,
  SALESFORCE_USER_NAME, SALESFORCE_PASSWORD
                                      the Salesforce login URL and connected app
                                      (username-password flow; the password
                                      followed by the security token)
  FNO_URL, FNO_USER_NAME, FNO_PASSWORD the FNO tenant and system administrator
  FNOSYNC_LICENSE_KEY                 a licence key the server accepts
  ACCOUNT_ID                          Salesforce Id of the example account
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fnosync.v1 import (  # noqa: E402
    admin_pb2,
    common_pb2,
    filter_pb2,
    logs_pb2,
    sync_pb2,
)
from fnosync_sdk import connect  # noqa: E402

ENDED = {
    sync_pb2.SYNC_RUN_STATE_COMPLETED,
    sync_pb2.SYNC_RUN_STATE_COMPLETED_WITH_FAILURES,
    sync_pb2.SYNC_RUN_STATE_FAILED,
    sync_pb2.SYNC_RUN_STATE_CANCELLED,
}
ENTITLEMENT_STEP = "Entitlement Creation/Update"
# Seconds any single call may take; the sync itself is followed by a stream.
CALL_TIMEOUT = 30
RUN_TIMEOUT = 120


def env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        sys.exit(f"{name} is not set")
    return value


def check(condition: bool, message: str) -> None:
    if not condition:
        sys.exit(f"check failed: {message}")


def configure(client) -> None:
    """Registers the remote sites, sets both connections, the licence and the filters."""
    for name, url in (("Salesforce_Sandbox", env("SALESFORCE_URL")), ("FNO_Sandbox", env("FNO_URL"))):
        site = client.admin.CreateRemoteSite(
            admin_pb2.CreateRemoteSiteRequest(name=name, url=url, description="example flow"),
            timeout=CALL_TIMEOUT,
        ).remote_site
        check(site.active, f"remote site {name} is active")
        print(f"remote site   {site.name} = {site.url}", file=sys.stderr)

    fno = client.admin.SetFnoConnection(
        admin_pb2.SetFnoConnectionRequest(
            tenant_url=env("FNO_URL"), user_name=env("FNO_USER_NAME"), password=env("FNO_PASSWORD")
        ),
        timeout=CALL_TIMEOUT,
    ).status
    check(fno.state == admin_pb2.CONNECTION_STATE_VERIFIED, f"FNO connection verified: {fno}")

    salesforce = client.admin.SetSalesforceConnection(
        admin_pb2.SetSalesforceConnectionRequest(
            login_url=env("SALESFORCE_URL"),
            flow=admin_pb2.SALESFORCE_AUTH_FLOW_USERNAME_PASSWORD,
            client_id=env("SALESFORCE_CLIENT_ID"),
            client_secret=env("SALESFORCE_CLIENT_SECRET"),
            user_name=env("SALESFORCE_USER_NAME"),
            password=env("SALESFORCE_PASSWORD"),
        ),
        timeout=CALL_TIMEOUT,
    ).status
    check(
        salesforce.state == admin_pb2.CONNECTION_STATE_VERIFIED,
        f"Salesforce connection verified: {salesforce}",
    )
    print("connections   FNO and Salesforce verified", file=sys.stderr)

    license_info = client.admin.SubmitLicenseKey(
        admin_pb2.SubmitLicenseKeyRequest(license_key=env("FNOSYNC_LICENSE_KEY")), timeout=CALL_TIMEOUT
    ).license
    check(license_info.state == admin_pb2.LICENSE_STATE_VALID, f"licence valid: {license_info}")
    print(f"licence       {license_info.licensee} until {license_info.expiry_date}", file=sys.stderr)

    filters = client.filters.UpdateFilters(
        filter_pb2.UpdateFiltersRequest(
            filters=filter_pb2.Filters(
                pre_condition_stages=["Closed Won"],
                post_condition_state=common_pb2.ENTITLEMENT_STATE_DRAFT,
            )
        ),
        timeout=CALL_TIMEOUT,
    ).filters
    check(list(filters.pre_condition_stages) == ["Closed Won"], f"filters stored: {filters}")


def sync_and_watch(client, account_id: str) -> sync_pb2.SyncRun:
    """Starts the one-time sync and follows it with WatchSyncRun until it ends."""
    run = client.sync.SyncAccount(sync_pb2.SyncAccountRequest(account_id=account_id), timeout=CALL_TIMEOUT).run
    check(run.kind == sync_pb2.SYNC_KIND_ONE_TIME, f"a one-time run: {run}")
    print(f"run           {run.run_id} queued", file=sys.stderr)
    for event in client.sync.WatchSyncRun(sync_pb2.WatchSyncRunRequest(run_id=run.run_id), timeout=RUN_TIMEOUT):
        run = event.run
        print(f"  {run.records_done} of {run.records_total} records, {run.records_failed} failed", file=sys.stderr)
    # The stream ends with the run; GetSyncRun confirms what it ended as.
    ended = client.sync.GetSyncRun(sync_pb2.GetSyncRunRequest(run_id=run.run_id), timeout=CALL_TIMEOUT).run
    check(ended.state in ENDED, f"the run has ended once WatchSyncRun closes: {ended}")
    return ended


def created_entitlement(client, run_id: str) -> str:
    """Returns the entitlement ID that the run's logs say was created."""
    logs = client.logs.ListTransactionLogs(
        logs_pb2.ListTransactionLogsRequest(task_id=run_id, page_size=500), timeout=CALL_TIMEOUT
    ).transaction_logs
    for log in logs:
        print(f"  {log.log_number} {logs_pb2.TransactionStatus.Name(log.status)} {log.name}", file=sys.stderr)
    failed = [log for log in logs if log.status != logs_pb2.TRANSACTION_STATUS_COMPLETED]
    check(not failed, f"every step completed: {failed}")
    entitlement_logs = [log for log in logs if log.name == ENTITLEMENT_STEP]
    check(len(entitlement_logs) == 1, f"one {ENTITLEMENT_STEP} log: {entitlement_logs}")
    created = re.match(r"created (\S+)", entitlement_logs[0].description)
    check(created is not None, f"the log says the entitlement was created: {entitlement_logs[0].description!r}")
    shown = client.logs.GetTransactionLog(
        logs_pb2.GetTransactionLogRequest(log_number=entitlement_logs[0].log_number), timeout=CALL_TIMEOUT
    ).transaction_log
    check(shown.task_id == run_id, f"GetTransactionLog shows the run's log: {shown}")
    return created.group(1)


def main() -> None:
    account_id = env("ACCOUNT_ID")
    with connect(env("FNOSYNC_SERVER"), env("FNOSYNC_TOKEN")) as client:
        configure(client)
        run = sync_and_watch(client, account_id)
        check(
            run.state == sync_pb2.SYNC_RUN_STATE_COMPLETED,
            f"the run completed, not {sync_pb2.SyncRunState.Name(run.state)}: {run.message}",
        )
        check(run.account_id == account_id and run.records_failed == 0, f"the run synced the account: {run}")
        entitlement_id = created_entitlement(client, run.run_id)
    print(
        json.dumps(
            {
                "run_id": run.run_id,
                "state": sync_pb2.SyncRunState.Name(run.state),
                "records_done": run.records_done,
                "entitlement_id": entitlement_id,
            }
        )
    )


if __name__ == "__main__":
    main()
