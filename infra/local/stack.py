"""The local stack: moto for AWS, the Mollie emulator, the API on Chalice's local server, and a
small poller that feeds SQS messages and the schedule to the same handlers Lambda would call.

`python -m infra.local.stack` (make local) keeps it running; the demo and tests drive it in-process.
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3

from chalicelib.domain.clients import Client
from infra.local.api_gateway import api_through_test_client
from infra.local.lambda_events import LambdaContext, scheduled_event, sqs_event
from infra.local.login_pool import LoginPool
from infra.local.mollie_emulator import MollieEmulator
from infra.local.provision import LocalNames, Provisioned, provision

REGION = "eu-west-1"
log = logging.getLogger("debtflow.local")


@dataclass
class Endpoints:
    aws: str
    api: str
    mollie: str


class LocalStack:
    def __init__(
        self, *, aws_port: int = 0, api_port: int = 0, mollie_port: int = 0, chalice_server: bool = True
    ) -> None:
        """`chalice_server=False` serves the API through Chalice's test client instead of its local
        server, which can be made only once per process (tests start several stacks)."""
        self._aws_port, self._api_port, self._mollie_port = aws_port, api_port, mollie_port
        self._chalice_server = chalice_server
        self._moto: Any = None
        self._api_server: Any = None
        self._gateway: ExitStack | None = None
        self.mollie = MollieEmulator(port=mollie_port)
        self.names = LocalNames()
        self.provisioned: Provisioned | None = None
        self.login: LoginPool | None = None
        self.endpoints: Endpoints | None = None

    def start(self) -> LocalStack:
        from moto.server import ThreadedMotoServer

        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            os.environ[name] = value
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self._aws_port, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        aws = f"http://{host}:{port}"
        os.environ["AWS_ENDPOINT_URL"] = aws
        self.mollie.start()
        self.provisioned = provision(self.names, REGION)
        from infra.local.login_pool import create_login_pool

        # The dashboard's user pool; its keys are served by moto at <aws>/<pool>/.well-known/jwks.json.
        self.login = create_login_pool(region=REGION, endpoint=aws)
        os.environ.update(self.login.environment())
        api = self._start_api()
        self.endpoints = Endpoints(aws=aws, api=api, mollie=self.mollie.public_url)
        os.environ.update(
            {
                "TABLE_NAME": self.names.table,
                "UPLOADS_BUCKET": self.names.bucket,
                "ACTIONS_QUEUE_URL": self.provisioned.actions_queue_url,
                "UPLOADS_QUEUE_NAME": self.names.uploads_queue,
                "ACTIONS_QUEUE_NAME": self.names.actions_queue,
                "IMPORT_CHUNKS_QUEUE_URL": self.provisioned.import_chunks_queue_url,
                "IMPORT_CHUNKS_QUEUE_NAME": self.names.import_chunks_queue,
                "MOLLIE_API_ENDPOINT": self.mollie.base_url,
                "PUBLIC_API_URL": api,
            }
        )
        from chalicelib import bootstrap

        bootstrap.reset()
        return self

    def _start_api(self) -> str:
        if not self._chalice_server:
            from chalice.test import Client as ChaliceClient

            from app import app as chalice_app

            self._gateway = ExitStack()
            return self._gateway.enter_context(
                api_through_test_client(ChaliceClient(chalice_app, stage_name="local"))
            )
        from chalice.config import Config
        from chalice.local import create_local_server

        from app import app

        server = create_local_server(app, Config.create(chalice_stage="local"), "127.0.0.1", self._api_port)
        self._api_server = server
        threading.Thread(target=server.serve_forever, name="chalice-local", daemon=True).start()
        host, port = server.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._api_server is not None:
            self._api_server.shutdown()
        if self._gateway is not None:
            self._gateway.close()
        self.mollie.stop()
        if self._moto is not None:
            self._moto.stop()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what a client's setup needs -----------------------------------------------------------

    def register_client(self, client: Client, mollie_api_key: str) -> None:
        from chalicelib import bootstrap

        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=client.mollie_key_parameter, Value=mollie_api_key, Type="SecureString", Overwrite=True
        )
        self.mollie.add_account(mollie_api_key, name=client.name)
        bootstrap.client_directory().save(client)

    # --- what Lambda's event sources would do ------------------------------------------------------

    def pump(self, max_rounds: int = 50) -> int:
        """Deliver queued messages to their handlers until both queues are empty."""
        import app

        assert self.provisioned is not None
        handled = 0
        routes = (
            (self.provisioned.uploads_queue_url, app.import_upload, "import_upload"),
            (self.provisioned.import_chunks_queue_url, app.import_chunk, "import_chunk"),
            (self.provisioned.actions_queue_url, app.process_dossier_action, "process_dossier_action"),
        )
        sqs = boto3.client("sqs", region_name=REGION)
        for _ in range(max_rounds):
            delivered = 0
            for url, handler, name in routes:
                messages = sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=0, AttributeNames=["All"]
                ).get("Messages", [])
                for message in messages:
                    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                        "QueueArn"
                    ]
                    try:
                        handler(
                            sqs_event(arn, [message]), LambdaContext(function_name=f"debtflow-local-{name}")
                        )
                    except Exception:
                        # Like Lambda: the message stays and comes back after its visibility timeout.
                        log.exception("handler %s failed; the message will be retried", name)
                        continue
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                    delivered += 1
            handled += delivered
            if not delivered:
                break
        return handled

    def sweep(self, at: datetime) -> None:
        import app

        app.sweep_due(
            scheduled_event("debtflow-local-sweep_due", at), LambdaContext("debtflow-local-sweep_due")
        )


def configure_logging() -> None:
    """One line per record: our own JSON lines (powertools), the libraries' capped as on Lambda
    before the first client is built (botocore says "Found endpoint ..." for every client)."""
    from chalicelib.log_setup import one_line_per_record, quiet_third_party_loggers

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    quiet_third_party_loggers()
    one_line_per_record()


def main() -> None:
    parser = argparse.ArgumentParser(description="Run Debtflow's local stack and its workbench until Ctrl-C.")
    parser.add_argument("--aws-port", type=int, default=5000)
    parser.add_argument("--api-port", type=int, default=8000)
    parser.add_argument("--mollie-port", type=int, default=8100)
    parser.add_argument("--workbench-port", type=int, default=8200)
    parser.add_argument("--sweep-every", type=float, default=60.0, help="seconds between sweeps")
    args = parser.parse_args()
    configure_logging()
    from infra.local.demo_data import DEMO_CLIENT, DEMO_MOLLIE_KEY
    from infra.local.workbench import Workbench
    from infra.local.workbench_clock import WorkbenchClock
    from infra.local.workbench_web import serving

    stack = LocalStack(aws_port=args.aws_port, api_port=args.api_port, mollie_port=args.mollie_port).start()
    from infra.local.demo_data import DEMO_LIST, DEMO_LOGINS, DEMO_SECOND_CLIENT
    from infra.local.login_pool import add_user

    stack.register_client(DEMO_CLIENT, DEMO_MOLLIE_KEY)
    stack.register_client(DEMO_SECOND_CLIENT, DEMO_MOLLIE_KEY)
    assert stack.endpoints is not None and stack.login is not None
    s3 = boto3.client("s3", region_name=REGION)
    for client_id, (email, password, role) in DEMO_LOGINS.items():
        add_user(stack.login, email, password, client_id, role)
        s3.put_object(
            Bucket=stack.names.bucket, Key=f"incoming/{client_id}/demo.csv", Body=DEMO_LIST.encode()
        )
    logins = "\n".join(
        f"  {client_id:22} {email} / {password} ({role})"
        for client_id, (email, password, role) in DEMO_LOGINS.items()
    )
    workbench = Workbench(stack, WorkbenchClock())
    with serving(workbench, args.workbench_port) as workbench_url:
        print(
            f"""
Debtflow local stack is running.
  Workbench:       {workbench_url}   (the stack's clock, move it; the outbox of everything sent)
  AWS (moto):      {stack.endpoints.aws}
  Dashboard:       {stack.endpoints.api.replace("127.0.0.1", "localhost")}/dashboard   (sign in with a login below)
  API:             {stack.endpoints.api}   (POST /webhooks/mollie/<client_id>)
  Mollie emulator: {stack.endpoints.mollie}   (open it in a browser: payments and checkout pages)
  Demo clients and their logins (each sees only its own dossiers):
{logins}
  User pool:       {stack.login.pool_id}, app client {stack.login.app_client_id}

Sign in and read the dashboard's JSON (README "The client's API"):
  TOKEN=$(AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws --endpoint-url {stack.endpoints.aws} \\
    --region {REGION} cognito-idp initiate-auth --client-id {stack.login.app_client_id} \\
    --auth-flow USER_PASSWORD_AUTH --auth-parameters USERNAME={DEMO_LOGINS[DEMO_CLIENT.client_id][0]},PASSWORD={DEMO_LOGINS[DEMO_CLIENT.client_id][1]} \\
    --query AuthenticationResult.IdToken --output text)
  curl -H "Authorization: Bearer $TOKEN" {stack.endpoints.api}/clients/{DEMO_CLIENT.client_id}/summary

{workbench.contact_window(workbench.clock())["note"]}

Upload a debtor list and watch it being imported:
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws --endpoint-url {stack.endpoints.aws} \\
    --region {REGION} s3 cp my-list.csv s3://{stack.names.bucket}/incoming/{DEMO_CLIENT.client_id}/my-list.csv
  ... then read s3://{stack.names.bucket}/reports/{DEMO_CLIENT.client_id}/my-list.csv.result.json
Move the clock: curl -X POST -d '{{"advance": "1d"}}' {workbench_url}/clock
Read what was sent: {workbench_url}/outbox (or /outbox.json)
Ctrl-C stops everything.
""",
            flush=True,
        )
        last_sweep = 0.0
        try:
            while True:
                if time.monotonic() - last_sweep >= args.sweep_every:
                    workbench.tick()
                    last_sweep = time.monotonic()
                else:
                    with workbench.lock:
                        handled = stack.pump()
                    if handled:
                        log.info("handled queued messages")
                time.sleep(1.0)
        except KeyboardInterrupt:
            pass
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
