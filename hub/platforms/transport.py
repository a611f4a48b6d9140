"""What a failed HTTP call says about whether the platform received it, for every adapter."""

from __future__ import annotations

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError


def never_sent(exc: requests.RequestException) -> bool:
    """Whether the request certainly never reached the server (safe to retry even a write).

    A refused or timed-out connection, or a TLS failure, means nothing was sent; a connection
    that broke or timed out after the request went out may have been carried out.
    """
    if isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.SSLError):
        return True
    if isinstance(exc, requests.ConnectionError) and exc.args:
        reason = exc.args[0]
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        return isinstance(reason, NewConnectionError | ConnectTimeoutError)
    return False


__all__ = ["never_sent"]
