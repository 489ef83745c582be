"""What the Lambda functions let third-party libraries write into their logs.

Our own records go through the powertools Logger and carry only references (hashed dossier refs,
client ids, counts). Libraries log what they send: botocore's endpoint and parser records hold
whole request and response bodies (e-mails, dossier items), PynamoDB logs every call's arguments
at DEBUG, urllib3 logs request paths, and mollie-api-python warns with the request's
Idempotency-Key on every replayed request; powertools' metrics provider logs each metric value
at DEBUG. None of that may reach CloudWatch, whatever level a
stage sets, so those loggers are capped here, once, when a function's module is imported.
"""

from __future__ import annotations

import logging
from pathlib import Path

# Libraries whose records can carry request or response data, and the lowest level they may log.
QUIET_LOGGERS: dict[str, int] = {
    "botocore": logging.WARNING,
    "boto3": logging.WARNING,
    "s3transfer": logging.WARNING,
    "urllib3": logging.WARNING,
    "pynamodb": logging.WARNING,
    "mollie": logging.ERROR,
    # Powertools' own modules (not our Logger, which is "debtflow"): at DEBUG the metrics provider
    # logs every value it adds, e.g. one payment's AmountCollectedCents.
    "aws_lambda_powertools": logging.INFO,
}


class _MollieRootRecords(logging.Filter):
    """mollie-api-python writes its replay warning through the root logger (`logging.warning`),
    so capping the "mollie" logger does not reach it: drop records below ERROR that come from
    its source files."""

    def __init__(self) -> None:
        super().__init__()
        import mollie

        self._package = str(Path(mollie.__file__).resolve().parent)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            return True
        return not str(Path(record.pathname).resolve()).startswith(self._package)


def quiet_third_party_loggers() -> None:
    """Cap the libraries' loggers; safe to call more than once."""
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)
    root = logging.getLogger()
    if not any(isinstance(f, _MollieRootRecords) for f in root.filters):
        root.addFilter(_MollieRootRecords())


def one_line_per_record(service_logger: str = "debtflow") -> None:
    """Our records are written once, by powertools' JSON handler on the service's logger, and not
    again by a handler of the root logger (Lambda's runtime adds one, the local stack too)."""
    logging.getLogger(service_logger).propagate = False
