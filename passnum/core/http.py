"""What a request says about its client."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The client's address, the one every per-address limit counts.

    Rule: with the trusted proxy count (``PASSNUM_TRUSTED_PROXY_COUNT``, allauth's
    ``ALLAUTH_TRUSTED_PROXY_COUNT``) at 0, the socket's address (``REMOTE_ADDR``): an
    ``X-Forwarded-For`` header sent by the client changes nothing. With N > 0 proxies of ours in
    front, the N-th address from the right of ``X-Forwarded-For`` (the one our outermost proxy
    saw; addresses the client wrote on the left are ignored). A header with fewer addresses than
    N, or an address that does not read, falls back to the socket's address, never an error."""
    remote = _address(request.META.get("REMOTE_ADDR")) or "0.0.0.0"
    count = int(getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    return _address(forwarded[-count]) or remote


def _address(text) -> str | None:
    if not text:
        return None
    text = str(text).strip()
    if text.startswith("[") and "]" in text:  # [IPv6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # IPv4:port
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
