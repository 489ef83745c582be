"""Wiring: the one place that decides which adapters the entry points use.

Adapters are imported and built lazily, once per process, so `import app` stays cheap on a cold
start and each handler pays only for what it uses. Tests, the local stack and the demo swap a
piece here (the clock; the endpoints through the environment) and call `reset()`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.adapters.login_tokens import LoginVerifier
    from chalicelib.services.daily_digest import DigestDeps
    from chalicelib.services.dossier_actions import ActionDeps
    from chalicelib.services.email_feedback import FeedbackDeps
    from chalicelib.services.import_upload import ImportDeps
    from chalicelib.services.ports import (
        ActionQueue,
        BadTokenCounter,
        ClientDirectory,
        ClientViews,
        DossierRepository,
        FileStore,
        Mailer,
        PaymentGateway,
        PaymentLinkRegistry,
        PersonalLinkStore,
        PlanRequests,
        ProofUploads,
        SecretStore,
        SentEmailIndex,
        SignIn,
        SmsSender,
        UploadLedger,
        WhatsAppSender,
    )
    from chalicelib.services.reconciliation import ReconciliationDeps
    from chalicelib.web.page_clients import RecentClients


def system_clock() -> datetime:
    return datetime.now(UTC)


# The demo plays a story over several days by replacing this.
clock: Callable[[], datetime] = system_clock


def now() -> datetime:
    return clock()


@dataclass(frozen=True)
class Settings:
    table_name: str
    uploads_bucket: str
    actions_queue_url: str
    public_api_url: str
    mollie_api_endpoint: str | None
    ses_configuration_set: str | None
    aws_endpoint_url: str | None
    # Connect and read timeouts towards Mollie (its webhook call gives us 15 s in all).
    mollie_timeout_seconds: tuple[float, float] = (3.0, 8.0)
    # The queue of a large list's shard chunks (import_chunk); unset: every list in one go.
    import_chunks_queue_url: str = ""
    import_shard_above_rows: int = 50_000
    # The dashboard's login: the Cognito user pool's issuer, the app client, and where the pool
    # publishes its keys (AWS: <issuer>/.well-known/jwks.json; moto: its own endpoint).
    login_issuer: str = ""
    login_app_client_id: str = ""
    login_jwks_url: str = ""
    # The account's WhatsApp number in End User Messaging Social (`phone-number-id-...`); unset:
    # no WhatsApp, every such message goes as SMS.
    whatsapp_phone_number_id: str = ""
    # Where the client's dashboard lives: the daily digest links to its pages. Unset: the API.
    dashboard_url: str = ""

    @property
    def login_pool_id(self) -> str:
        """The user pool's id: the last part of its issuer (https://cognito-idp.<region>.../<id>)."""
        return self.login_issuer.rstrip("/").rsplit("/", 1)[-1] if self.login_issuer else ""

    @classmethod
    def from_environment(cls) -> Settings:
        env = os.environ
        return cls(
            table_name=env.get("TABLE_NAME", "debtflow"),
            uploads_bucket=env.get("UPLOADS_BUCKET", "debtflow-uploads"),
            actions_queue_url=env.get("ACTIONS_QUEUE_URL", ""),
            public_api_url=env.get("PUBLIC_API_URL", "http://127.0.0.1:8000"),
            mollie_api_endpoint=env.get("MOLLIE_API_ENDPOINT") or None,
            ses_configuration_set=env.get("SES_CONFIGURATION_SET") or None,
            aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
            mollie_timeout_seconds=(
                float(env.get("MOLLIE_CONNECT_TIMEOUT", "3")),
                float(env.get("MOLLIE_READ_TIMEOUT", "8")),
            ),
            import_chunks_queue_url=env.get("IMPORT_CHUNKS_QUEUE_URL", ""),
            import_shard_above_rows=int(env.get("IMPORT_SHARD_ABOVE_ROWS", "50000")),
            login_issuer=env.get("LOGIN_ISSUER", ""),
            login_app_client_id=env.get("LOGIN_APP_CLIENT_ID", ""),
            login_jwks_url=env.get("LOGIN_JWKS_URL", "")
            or (
                f"{env['LOGIN_ISSUER'].rstrip('/')}/.well-known/jwks.json" if env.get("LOGIN_ISSUER") else ""
            ),
            whatsapp_phone_number_id=env.get("WHATSAPP_PHONE_NUMBER_ID", ""),
            dashboard_url=env.get("DASHBOARD_URL", "") or env.get("PUBLIC_API_URL", "http://127.0.0.1:8000"),
        )


@cache
def settings() -> Settings:
    return Settings.from_environment()


@cache
def _bind_table() -> None:
    from chalicelib.adapters import table

    table.bind(settings().table_name, host=settings().aws_endpoint_url)


@cache
def dossier_repository() -> DossierRepository:
    from chalicelib.adapters.dynamodb_repository import DynamoDossierRepository
    from chalicelib.adapters.metrics import MeteredDossiers

    _bind_table()
    repository: DossierRepository = MeteredDossiers(DynamoDossierRepository())
    return repository


@cache
def secret_store() -> SecretStore:
    from chalicelib.adapters.ssm_secrets import SsmSecrets

    return SsmSecrets()


@cache
def client_directory() -> ClientDirectory:
    from chalicelib.adapters.dynamodb_repository import DynamoClientDirectory

    _bind_table()
    return DynamoClientDirectory()


@cache
def page_clients() -> RecentClients:
    """The debtor page's read of its client, kept a minute per instance (web/page_clients.py)."""
    from chalicelib.web.page_clients import RecentClients

    return RecentClients(client_directory())


@cache
def upload_ledger() -> UploadLedger:
    from chalicelib.adapters.dynamodb_repository import DynamoUploadLedger

    _bind_table()
    return DynamoUploadLedger()


@cache
def file_store() -> FileStore:
    from chalicelib.adapters.s3_files import S3FileStore

    return S3FileStore(settings().uploads_bucket)


@cache
def proof_uploads() -> ProofUploads:
    from chalicelib.adapters.s3_proof_uploads import S3ProofUploads

    return S3ProofUploads(settings().uploads_bucket)


@cache
def payment_gateway() -> PaymentGateway:
    from chalicelib.adapters.mollie_gateway import MollieGateway
    from chalicelib.adapters.ssm_secrets import SsmSecrets

    return MollieGateway(
        SsmSecrets().get,
        api_endpoint=settings().mollie_api_endpoint,
        timeout=settings().mollie_timeout_seconds,
    )


@cache
def payment_link_registry() -> PaymentLinkRegistry:
    from chalicelib.adapters.dynamodb_repository import DynamoPaymentLinkRegistry

    _bind_table()
    return DynamoPaymentLinkRegistry()


@cache
def mailer() -> Mailer:
    from chalicelib.adapters.ses_mailer import SesMailer

    return SesMailer(settings().ses_configuration_set)


@cache
def action_queue() -> ActionQueue:
    from chalicelib.adapters.sqs_actions import SqsActionQueue

    return SqsActionQueue(settings().actions_queue_url)


@cache
def client_views() -> ClientViews:
    from chalicelib.adapters.client_views import DynamoClientViews

    _bind_table()
    return DynamoClientViews()


@cache
def login_verifier() -> LoginVerifier:
    """One per process: the pool's keys are fetched once and kept (adapters/login_tokens.py)."""
    from chalicelib.adapters.login_tokens import InvalidLogin, LoginVerifier, PoolKeys

    config = settings()
    if not (config.login_issuer and config.login_app_client_id and config.login_jwks_url):
        raise InvalidLogin("login is not configured on this stage")
    return LoginVerifier(config.login_issuer, config.login_app_client_id, PoolKeys(config.login_jwks_url))


@cache
def sign_in() -> SignIn:
    """The dashboard's sign-in: Cognito's USER_PASSWORD_AUTH for the pool's app client."""
    from chalicelib.adapters.aws_clients import LazyClient, client
    from chalicelib.adapters.cognito_sign_in import CognitoSignIn

    return CognitoSignIn(LazyClient(lambda: client("cognito-idp")), settings().login_app_client_id)


def import_deps() -> ImportDeps:
    from chalicelib.adapters.s3_chunks import S3ChunkStore, SqsChunkQueue
    from chalicelib.adapters.s3_list_digests import S3ListDigests
    from chalicelib.services.import_upload import ImportDeps

    queue_url = settings().import_chunks_queue_url
    return ImportDeps(
        clients=client_directory(),
        dossiers=dossier_repository(),
        ledger=upload_ledger(),
        files=file_store(),
        digests=S3ListDigests(settings().uploads_bucket),
        chunks=S3ChunkStore(settings().uploads_bucket) if queue_url else None,
        chunk_queue=SqsChunkQueue(queue_url) if queue_url else None,
        shard_above_rows=settings().import_shard_above_rows,
    )


def digest_deps() -> DigestDeps:
    """Built per run: the owners are read from the login pool once per run, never kept longer."""
    from chalicelib.adapters.aws_clients import LazyClient, client
    from chalicelib.adapters.client_views import DynamoWaitingDossiers
    from chalicelib.adapters.daily_digest import CognitoClientOwners, DynamoDigestLedger
    from chalicelib.adapters.s3_files import S3ImportReports
    from chalicelib.services.daily_digest import DigestDeps

    _bind_table()
    return DigestDeps(
        clients=client_directory(),
        dossiers=dossier_repository(),
        waiting=DynamoWaitingDossiers(plan_requests()),
        owners=CognitoClientOwners(LazyClient(lambda: client("cognito-idp")), settings().login_pool_id),
        ledger=DynamoDigestLedger(),
        reports=S3ImportReports(settings().uploads_bucket),
        files=file_store(),
        mailer=mailer(),
        dashboard_url=settings().dashboard_url,
    )


def action_deps() -> ActionDeps:
    """Every port a dossier use case may reach: dunning, disputes, arrangements, decisions."""
    from chalicelib.adapters.letters import PdfLetterRenderer
    from chalicelib.adapters.print_drop import S3PrintDrop
    from chalicelib.services.dossier_actions import ActionDeps

    return ActionDeps(
        dossiers=dossier_repository(),
        clients=client_directory(),
        payments=payment_gateway(),
        mailer=mailer(),
        sms=sms_sender(),
        files=file_store(),
        letters=PdfLetterRenderer(),
        links=payment_link_registry(),
        sent_emails=sent_email_index(),
        personal_links=personal_link_store(),
        public_api_url=settings().public_api_url,
        printer=S3PrintDrop(file_store()),
        whatsapp=whatsapp_sender(),
        plan_requests=plan_requests(),
    )


@cache
def plan_requests() -> PlanRequests:
    from chalicelib.adapters.daily_digest import DynamoPlanRequests

    _bind_table()
    return DynamoPlanRequests()


@cache
def personal_link_store() -> PersonalLinkStore:
    from chalicelib.adapters.personal_links import DynamoPersonalLinkStore

    _bind_table()
    return DynamoPersonalLinkStore()


@cache
def bad_token_counter() -> BadTokenCounter:
    from chalicelib.adapters.personal_links import DynamoBadTokenCounter

    _bind_table()
    return DynamoBadTokenCounter()


@cache
def sent_email_index() -> SentEmailIndex:
    from chalicelib.adapters.sent_emails import DynamoSentEmailIndex

    _bind_table()
    return DynamoSentEmailIndex()


def feedback_deps() -> FeedbackDeps:
    from chalicelib.services.email_feedback import FeedbackDeps

    return FeedbackDeps(dossiers=dossier_repository(), sent_emails=sent_email_index())


@cache
def whatsapp_sender() -> WhatsAppSender:
    from chalicelib.adapters.aws_clients import LazyClient, client
    from chalicelib.adapters.whatsapp import EndUserMessagingWhatsApp
    from chalicelib.services.message_content import whatsapp_settings

    return EndUserMessagingWhatsApp(
        LazyClient(lambda: client("socialmessaging")),
        settings().whatsapp_phone_number_id,
        str(whatsapp_settings()["meta_api_version"]),
    )


@cache
def sms_sender() -> SmsSender:
    from chalicelib.adapters.sms import SnsSmsSender

    return SnsSmsSender()


def reconciliation_deps() -> ReconciliationDeps:
    from chalicelib.services.reconciliation import ReconciliationDeps

    return ReconciliationDeps(
        clients=client_directory(),
        dossiers=dossier_repository(),
        gateway=payment_gateway(),
        links=payment_link_registry(),
        files=file_store(),
    )


@cache
def page_signing_key() -> bytes:
    """The key that signs the debtor page's session cookies and form tokens. On AWS an SSM
    SecureString (`PAGE_SIGNING_KEY_PARAMETER`); locally `PAGE_SIGNING_KEY`; otherwise a random
    key for this process only (sessions then end with the process: fine locally, and a deployed
    stage sets the parameter)."""
    import secrets

    parameter = os.environ.get("PAGE_SIGNING_KEY_PARAMETER")
    if parameter:
        from chalicelib.adapters.ssm_secrets import SsmSecrets

        return SsmSecrets().get(parameter).encode()
    configured = os.environ.get("PAGE_SIGNING_KEY")
    return configured.encode() if configured else secrets.token_bytes(32)


def reset() -> None:
    """Forget every built adapter, e.g. after the environment changed (tests, local stack)."""
    from chalicelib.adapters.aws_clients import client

    for factory in (
        settings,
        _bind_table,
        dossier_repository,
        client_directory,
        page_clients,
        secret_store,
        upload_ledger,
        file_store,
        proof_uploads,
        payment_gateway,
        payment_link_registry,
        mailer,
        action_queue,
        sms_sender,
        whatsapp_sender,
        sent_email_index,
        personal_link_store,
        bad_token_counter,
        page_signing_key,
        client_views,
        login_verifier,
        sign_in,
        plan_requests,
        client,
    ):
        factory.cache_clear()
