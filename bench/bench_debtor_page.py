"""The debtor's page: server time per page through the Chalice handler on moto, and what a
first visit downloads.

Targets: p95 <= 50 ms per page (moto, in-process; DynamoDB on AWS adds a few ms per read) and
<= 30 KB gzipped for the first load (the page's HTML and its stylesheet; nothing else loads)."""

from __future__ import annotations

import functools
import gzip
import operator
import os
import statistics
import time
from datetime import timedelta
from typing import Any

DEBTORS = 40


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(round(0.95 * len(ordered)) - 1, 0)]


def main() -> None:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    os.environ.pop("AWS_ENDPOINT_URL", None)

    from chalice.test import Client as ChaliceClient
    from moto import mock_aws

    from chalicelib import bootstrap
    from chalicelib.adapters import table
    from chalicelib.domain.dossier import DisputeReason, Dossier, Invoice, Schedule
    from chalicelib.services.personal_links import issue_personal_link
    from infra.local.demo_data import DEMO_CLIENT
    from infra.local.provision import LocalNames, provision
    from tests.builders import NOW, debtor

    names = LocalNames(table="debtflow-bench", bucket="debtflow-bench-uploads")
    with mock_aws():
        provisioned = provision(names)
        os.environ.update(
            TABLE_NAME=names.table,
            UPLOADS_BUCKET=names.bucket,
            ACTIONS_QUEUE_URL=provisioned.actions_queue_url,
            PUBLIC_API_URL="http://127.0.0.1:9",
            PAGE_SIGNING_KEY="bench-only",
        )
        table.bind(names.table)
        bootstrap.reset()
        bootstrap.settings()
        bootstrap.page_signing_key()
        bootstrap.client_directory().save(DEMO_CLIENT)
        dossiers = bootstrap.dossier_repository()
        links: list[str] = []
        for n in range(DEBTORS):
            file = Dossier(DEMO_CLIENT.client_id, debtor(f"P{n:04d}"), NOW.date())
            file.invoices["F-1"] = Invoice("F-1", NOW.date(), 12_500, 12_500)
            file.invoices["F-2"] = Invoice("F-2", NOW.date(), 4_250, 4_250)
            if n % 2:
                # Every other debtor says F-1 is paid already: their page signs three upload forms.
                file.file_dispute(
                    ["F-1"],
                    DisputeReason.ALREADY_PAID,
                    lambda _: Schedule(None),
                    at=NOW,
                    actor="debtor",
                    decide_by=NOW,
                    copy_term_ends=NOW,
                )
            dossiers.save(file)
            links.append(issue_personal_link(file, NOW, bootstrap.personal_link_store(), ""))

        from pynamodb.connection.base import Connection

        import app

        # Time inside DynamoDB calls (moto in-process here; a few ms each on AWS), kept apart so
        # the page's own cost shows too.
        store = {"seconds": 0.0, "calls": 0}
        original = Connection._make_api_call

        def measured(self: Any, operation_name: str, operation_kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(self, operation_name, operation_kwargs)
            finally:
                store["seconds"] += time.perf_counter() - started
                store["calls"] += 1

        Connection._make_api_call = measured  # type: ignore[method-assign]
        own: dict[str, list[float]] = {}
        calls: dict[str, int] = {}
        timings: dict[str, list[float]] = {
            "open link (303)": [],
            "page (200)": [],
            "page + proof forms": [],
            "unknown link (404)": [],
        }
        first_load = 0
        first_load_raw = 0
        with ChaliceClient(app.app, stage_name="local") as chalice:

            def timed(kind: str, path: str, headers: dict[str, str] | None = None) -> Any:
                before_seconds, before_calls = store["seconds"], store["calls"]
                started = time.perf_counter()
                response = chalice.http.get(path, headers=headers or {})
                elapsed = time.perf_counter() - started
                timings[kind].append(elapsed)
                own.setdefault(kind, []).append(elapsed - (store["seconds"] - before_seconds))
                calls[kind] = int(store["calls"] - before_calls)
                return response

            css = chalice.http.get("/assets/page.css")
            for n, link in enumerate(links):
                # One debtor a minute: the unknown-link probe below stays under the rate limit.
                bootstrap.clock = functools.partial(operator.add, NOW, timedelta(minutes=n))
                opened = timed("open link (303)", link)
                assert opened.status_code == 303, opened.status_code
                raw = opened.headers["Set-Cookie"]
                cookies = "; ".join(
                    c.split(";", 1)[0] for c in (raw if isinstance(raw, list) else raw.split(", "))
                )
                kind = "page + proof forms" if n % 2 else "page (200)"
                page = timed(kind, opened.headers["Location"], {"Cookie": cookies})
                assert page.status_code == 200, page.status_code
                timed("unknown link (404)", f"/p/{DEMO_CLIENT.client_id}/{'A' * 42}{n % 10}")
                if n == 0:
                    parts = [opened.body or b"", page.body, css.body]
                    encoded = [p if isinstance(p, bytes) else str(p).encode() for p in parts]
                    first_load_raw = sum(len(p) for p in encoded)
                    first_load = sum(len(gzip.compress(p, 6)) for p in encoded)
        Connection._make_api_call = original  # type: ignore[method-assign]
        for kind, values in timings.items():
            print(
                f"{kind:20} p95 {p95(values) * 1000:6.1f} ms  median {statistics.median(values) * 1000:6.1f} ms"
                f"  ({len(values)} requests, target p95 <= 50 ms); without the {calls[kind]} DynamoDB"
                f" requests: p95 {p95(own[kind]) * 1000:5.1f} ms"
            )
        print(
            f"first load: {first_load / 1024:.1f} KB gzipped ({first_load_raw / 1024:.1f} KB raw; HTML + CSS, "
            "no scripts, fonts or images; target <= 30 KB)"
        )
