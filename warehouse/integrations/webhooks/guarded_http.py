"""The guarded HTTP client webhooks POST with: it connects to public addresses only (each
name resolved once, private, loopback and link-local addresses dropped) and follows no
redirects, unless private receivers are allowed."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.request

from warehouse.integrations.webhooks.common import sign


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would turn the POST into a GET without the body: count it as a failure."""

    def redirect_request(self, *args, **kwargs):
        return None


class PrivateAddress(OSError):
    """The receiver's address is not public (see the module doc)."""


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public(address: str) -> bool:
    """A globally routable unicast address. IPv6 forms that carry an IPv4 address (mapped,
    6to4, Teredo, NAT64) are judged by the IPv4 address they lead to."""
    ip = ipaddress.ip_address(address.split("%")[0])  # drop an IPv6 zone
    if ip.version == 6:
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            return is_public(str(inner))
    return ip.is_global and not ip.is_multicast


def _connect_to_public(
    address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None, *args, **kwargs
) -> socket.socket:
    """socket.create_connection, but only to the host's public addresses, resolved once
    here: no second lookup can swap in a private address, and a private one is never
    connected to (a refused or open internal port would tell the admin which it is)."""
    host, port = address
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as failure:
        raise OSError(f"{host}: cannot resolve ({failure.strerror})") from None
    public = [info for info in found if is_public(info[4][0])]
    if not public:
        raise PrivateAddress(f"{host} has no public address: not sent (see WEBHOOK_ALLOW_PRIVATE_ADDRESSES)")
    failure = None
    for family, kind, proto, _name, sockaddr in public:
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            failure = error
            sock.close()
    raise failure


class _PublicHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_to_public


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_to_public


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)


_OPENERS = {  # private addresses allowed? -> opener
    True: urllib.request.build_opener(_NoRedirects),
    False: urllib.request.build_opener(_NoRedirects, _PublicHTTPHandler, _PublicHTTPSHandler),
}


def post(
    url, secret, event_type, payload: str, delivery_uuid, timeout, allow_private
) -> tuple[int | None, str | None, int]:
    """(status code, error or None, milliseconds). Only a 2xx answer counts as delivered."""
    body = payload.encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "warehouse-webhooks/1",
            "X-Warehouse-Event": event_type,
            "X-Warehouse-Delivery": delivery_uuid,
            "X-Warehouse-Signature": sign(secret, body),
        },
    )
    started = time.monotonic()
    try:
        with _OPENERS[allow_private].open(request, timeout=timeout) as response:
            response.read(1024)
            code, error = response.status, None
    except urllib.error.HTTPError as answer:
        code, error = answer.code, f"HTTP {answer.code} {answer.reason}"
    except (urllib.error.URLError, OSError, ValueError) as failure:  # refused, timeout, DNS
        reason = getattr(failure, "reason", failure)
        code, error = None, f"{type(failure).__name__}: {reason}"
    ms = int((time.monotonic() - started) * 1000)
    if error is None and not 200 <= code < 300:
        error = f"HTTP {code}"
    return code, (error[:500] if error else None), ms
