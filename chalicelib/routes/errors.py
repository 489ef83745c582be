"""Domain errors as HTTP answers, mapped by type in one place for every route."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from chalice.app import Response

from chalicelib.adapters import metrics
from chalicelib.domain.errors import (
    CallTaskClosed,
    ConcurrentChange,
    DebtflowError,
    DossierNotFound,
    InvalidRequest,
    NotAllowed,
    NotSignedIn,
    PaymentProviderUnavailable,
    TransitionNotAllowed,
    UnknownCallTask,
    UnknownClient,
    UploadNotFound,
    UploadNotHeld,
)

ERROR_STATUS: dict[type[DebtflowError], int] = {
    InvalidRequest: 400,
    NotSignedIn: 401,
    NotAllowed: 403,
    UnknownClient: 404,
    DossierNotFound: 404,
    TransitionNotAllowed: 409,
    ConcurrentChange: 503,
    PaymentProviderUnavailable: 503,
    UnknownCallTask: 404,
    CallTaskClosed: 409,
    UploadNotFound: 404,
    UploadNotHeld: 409,
}


def answers_domain_errors(view: Callable[..., Response]) -> Callable[..., Response]:
    """Domain errors carry messages written for the caller; map them by type in one place.

    Chalice turns an exception raised in a view into a 500 before any middleware sees it, so the
    mapping wraps each view. Anything that is not a DebtflowError stays a 500 (a bug).
    """

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        try:
            # What the route counted (dossiers changed, messages sent) is published with it, not
            # carried into the next invocation of the same container.
            with metrics.published():
                return view(*args, **kwargs)
        except DebtflowError as error:
            status = next((ERROR_STATUS[t] for t in type(error).__mro__ if t in ERROR_STATUS), 400)
            return Response(body={"message": str(error)}, status_code=status)

    return wrapped
