"""What a failed HTTP call says about whether the platform received it, for every adapter."""

from __future__ import annotations

import requests
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    SSLError,
)


def never_sent(exc: requests.RequestException | HTTPError) -> bool:
    """Whether the request certainly never reached the server (safe to retry even a write).

    A refused or timed-out connection, or a TLS failure, means nothing was sent; a connection
    that broke or timed out after the request went out may have been carried out. Takes
    requests' exceptions (the SDKs') and urllib3's own (the WhatsApp adapter's).
    """
    if isinstance(exc, NewConnectionError | ConnectTimeoutError | SSLError):
        return True
    if isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.SSLError):
        return True
    if isinstance(exc, requests.ConnectionError) and exc.args:
        reason = exc.args[0]
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        return isinstance(reason, NewConnectionError | ConnectTimeoutError)
    return False


__all__ = ["never_sent"]
