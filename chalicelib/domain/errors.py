"""Errors the domain and services raise; entry points translate them in one table (app.py)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


class DebtflowError(Exception):
    """Base of every error with a message that is safe to show to a client."""


class TransitionNotAllowed(DebtflowError):
    """Worded for the person who asked (chalicelib/data/lifecycle_words.json), never in the
    transition table's own names."""

    def __init__(self, status: str, trigger: str) -> None:
        words = _lifecycle_words()
        state = words["statuses"].get(status, status.replace("_", " "))
        asked = words["triggers"].get(trigger, f"take the step {trigger.replace('_', ' ')!r}")
        super().__init__(f"a dossier that is {state} cannot {asked}")
        self.status = status
        self.trigger = trigger


@cache
def _lifecycle_words() -> dict[str, dict[str, str]]:
    text = resources.files("chalicelib").joinpath("data").joinpath("lifecycle_words.json").read_text("utf-8")
    data: dict[str, dict[str, str]] = json.loads(text)
    return data


class ConcurrentChange(DebtflowError):
    """Someone else saved the dossier since it was read: reload and try again."""


class UnknownClient(DebtflowError):
    def __init__(self, client_id: str) -> None:
        super().__init__(f"no client is registered as {client_id!r}")
        self.client_id = client_id


class DossierNotFound(DebtflowError):
    def __init__(self, client_id: str, debtor_id: str) -> None:
        super().__init__(f"client {client_id!r} has no dossier for debtor {debtor_id!r}")


class StepUnfinished(DebtflowError):
    """A provider did not take some messages of a dunning step: the dossier shows them as not
    sent and is due again; raised so the action is delivered again soon (SQS) rather than at the
    next sweep."""

    def __init__(self, client_id: str, debtor_id: str, step: int, channels: list[str]) -> None:
        super().__init__(f"step {step}: {', '.join(channels)} did not go out; it is tried again")
        self.client_id = client_id
        self.debtor_id = debtor_id
        self.step = step


class UploadInProgress(DebtflowError):
    """Another invocation holds the import of this file: the message must be retried later."""


class InvalidRequest(DebtflowError):
    """A request whose shape or values are wrong; the message says what to fix."""


class PaymentProviderUnavailable(DebtflowError):
    """Mollie did not answer usably (5xx, timeout, refused credentials): try again later.

    The message never carries the API key or Mollie's raw error text."""


class UnknownCallTask(DebtflowError):
    def __init__(self, task_id: str) -> None:
        super().__init__(f"this dossier has no call task {task_id!r}")


class CallTaskClosed(DebtflowError):
    def __init__(self, task_id: str) -> None:
        super().__init__(f"call task {task_id!r} already has an outcome")


class NotSignedIn(DebtflowError):
    """No valid login: the token is missing, forged, expired or for another pool or app."""


class NotAllowed(DebtflowError):
    """The caller is signed in but their role does not allow this (a viewer deciding)."""


class UploadNotFound(DebtflowError):
    """No upload of that client by that id (another client's answers the same)."""

    def __init__(self, client_id: str) -> None:
        super().__init__(f"client {client_id!r} has no such upload")


class UploadNotHeld(DebtflowError):
    """A confirmation asked for a list that is not waiting for one."""
