"""Mollie's webhook, deployed as its own Lambda function with its own role: it reads the payment
from Mollie with the client's key (SSM) and updates the dossier, and may do nothing else. The
public route is the one anybody on the internet can call, so it must not share the operator
routes' rights (hand-over files, dossier listings).

Chalice puts every route of `app.py` in one function. So the route is added by `register`, which
`app.py` calls too (the local stack and the tests reach it at the same path, through the same
code), while `app` below is a Chalice app with this route alone: the handler of the function
`debtflow-<stage>-mollie_webhook` that infra/resources.json adds, and to which API Gateway sends
`POST /webhooks/mollie/{client_id}`.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger
from chalice.app import BadRequestError, Chalice, Request, Response

from chalicelib import aws_events, bootstrap
from chalicelib.adapters import metrics
from chalicelib.domain.errors import ConcurrentChange, InvalidRequest, PaymentProviderUnavailable
from chalicelib.log_setup import quiet_third_party_loggers

logger = Logger(service="debtflow")
# Libraries log request data (bodies, paths, Mollie's idempotency keys): capped before any runs.
quiet_third_party_loggers()


def register(target: Chalice) -> None:
    """Add the webhook route to `target`. (A Blueprint cannot serve here: Chalice consumes a
    blueprint's route options when it registers it, so a second app would get a GET route.)"""

    @target.route(
        "/webhooks/mollie/{client_id}",
        methods=["POST"],
        content_types=["application/x-www-form-urlencoded"],
    )
    def mollie_webhook(client_id: str) -> Response:
        return answer(client_id, target.current_request)


def answer(client_id: str, request: Request | None) -> Response:
    from chalicelib.services.payments import on_mollie_webhook

    try:
        aws_events.valid_client_id(client_id)
        raw = request.raw_body if request is not None else b""
        payment_id = aws_events.webhook_payment_id(raw if isinstance(raw, bytes) else str(raw).encode())
    except InvalidRequest as error:
        raise BadRequestError(str(error)) from error
    logger.append_keys(correlation_id=f"payment:{payment_id}")
    with metrics.published():
        try:
            outcome = on_mollie_webhook(
                client_id,
                payment_id,
                bootstrap.now(),
                clients=bootstrap.client_directory(),
                dossiers=bootstrap.dossier_repository(),
                gateway=bootstrap.payment_gateway(),
                links=bootstrap.payment_link_registry(),
            )
        except (PaymentProviderUnavailable, ConcurrentChange) as error:
            # Nothing was applied: a non-2xx answer makes Mollie call again later (up to ~26 h).
            # The messages are written to carry no key; the body stays empty for the caller.
            metrics.count("WebhookFailures")
            logger.warning("mollie webhook deferred", extra={"client_id": client_id, "reason": str(error)})
            return Response(body="", status_code=503)
    logger.info("mollie webhook", extra={"client_id": client_id, "outcome": outcome.value})
    # Known and unknown ids get the same empty 200: a prober learns nothing.
    return Response(body="", status_code=200)


app = Chalice(app_name="debtflow-mollie-webhook")
register(app)
