"""Sending one webhook POST without opening a door into the server (SSRF) or hanging.

- Only https, unless settings.WEBHOOK_ALLOW_HTTP (tests, intranets).
- The host is resolved at send time; every address it resolves to must be public: private,
  loopback, link-local, multicast, reserved and unspecified addresses are refused unless
  settings.WEBHOOK_ALLOW_PRIVATE, or the address is in settings.WEBHOOK_ALLOWED_NETWORKS.
- The connection goes to the address that was checked (no second lookup, so a DNS answer that
  changes between check and connect — DNS rebinding — cannot redirect it); TLS still verifies
  the certificate for the host name (SNI), and the Host header names the host.
- Redirects are never followed: a 3xx is a failure, so the signature goes nowhere else.
- One total deadline (settings.WEBHOOK_TIMEOUT, default 10 s) for connect, send and read: a
  watchdog closes the socket when it passes, whatever the receiver does (a slow drip too).

Failures raise WebhookError with a generic `kind` (shown to unit staff) and a `detail` (shown
to the unit's managers).
"""

import http.client
import ipaddress
import socket
import ssl
import threading
import time
import urllib.parse

from django.conf import settings
from django.utils.translation import gettext_lazy as _

FAILURE_LABELS = {
    "invalid_url": _("地址无效"),
    "address_refused": _("地址不允许"),
    "dns": _("域名无法解析"),
    "connect": _("无法连接"),
    "timeout": _("超时"),
    "tls": _("证书或加密错误"),
    "redirect": _("对方要求跳转（不跟随）"),
    "http_status": _("对方返回错误"),
    "network": _("网络错误"),
}
MAX_RESPONSE = 64 * 1024


class WebhookError(Exception):
    def __init__(self, kind: str, detail: str, status: int | None = None):
        super().__init__(detail)
        self.kind, self.detail, self.status = kind, detail, status


def _setting(name, default):
    return getattr(settings, name, default)


REFUSED = "不能推送到内网、本机或保留地址。"


def url_problem(url: str) -> str | None:
    """Why `url` may not be a webhook address (None if it may), checked without DNS: on create,
    on update and again before every send. The resolved addresses are checked at send time."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return "地址无效。"
    allowed = ("https", "http") if _setting("WEBHOOK_ALLOW_HTTP", False) else ("https",)
    if parts.scheme not in allowed:
        return "地址须以 https:// 开头。" if allowed == ("https",) else "地址须以 http(s):// 开头。"
    if not parts.hostname or parts.username or parts.password:
        return "地址须包含主机名，且不能包含用户名或密码。"
    if port == 0 or any(c.isspace() for c in url):
        return "地址无效。"
    host = parts.hostname
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not address_allowed(literal):
        return REFUSED
    if literal is None and (host == "localhost" or host.endswith(".localhost")):
        if not _setting("WEBHOOK_ALLOW_PRIVATE", False):
            return REFUSED
    return None


def address_allowed(ip) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_global and not (ip.is_multicast or ip.is_reserved):
        return True
    if _setting("WEBHOOK_ALLOW_PRIVATE", False):
        return not ip.is_multicast and not ip.is_unspecified
    networks = _setting("WEBHOOK_ALLOWED_NETWORKS", ())
    return any(ip in ipaddress.ip_network(net) for net in networks)


def resolve(host: str, port: int, deadline: float) -> str:
    """The address to connect to; every address the host resolves to must be allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise WebhookError("dns", f"DNS: {exc}") from exc
    if time.monotonic() > deadline:
        raise WebhookError("timeout", "DNS lookup took the whole deadline")
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        if not address_allowed(ipaddress.ip_address(address.split("%")[0])):
            raise WebhookError("address_refused", f"{host} resolves to {address}: refused")
    return addresses[0]


class _Pinned:
    """Connect to the checked address; keep the host name for Host and TLS."""

    def connect(self):
        # A plain socket to the address itself: no name lookup at all between check and use.
        family = socket.AF_INET6 if ":" in self.pinned_ip else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        self.on_socket(sock)
        sock.settimeout(self.timeout)
        try:
            sock.connect((self.pinned_ip, self.port))
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        if isinstance(self, http.client.HTTPSConnection):
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
            self.on_socket(self.sock)


class _HTTP(_Pinned, http.client.HTTPConnection):
    pass


class _HTTPS(_Pinned, http.client.HTTPSConnection):
    pass


def post(url: str, body: bytes, headers: dict, *, timeout: float | None = None) -> int:
    """POST body to url within one total deadline. Returns the (2xx) status."""
    total = timeout if timeout is not None else _setting("WEBHOOK_TIMEOUT", 10.0)
    deadline = time.monotonic() + total
    problem = url_problem(url)
    if problem:
        raise WebhookError("address_refused" if problem == REFUSED else "invalid_url", problem)
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    ip = resolve(parts.hostname, port, deadline)
    cls = _HTTPS if parts.scheme == "https" else _HTTP
    kwargs = {"context": ssl.create_default_context()} if cls is _HTTPS else {}
    conn = cls(parts.hostname, port, timeout=max(deadline - time.monotonic(), 0.001), **kwargs)
    conn.pinned_ip = ip
    sockets = []
    conn.on_socket = sockets.append
    expired = threading.Event()

    def expire():
        expired.set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        conn.close()

    watchdog = threading.Timer(max(deadline - time.monotonic(), 0), expire)
    watchdog.daemon = True
    watchdog.start()
    path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    try:
        status = _exchange(conn, path, body, headers, expired=expired, total=total)
    finally:
        watchdog.cancel()
        conn.close()
    if expired.is_set():
        raise WebhookError("timeout", f"no complete answer within {total:g} s")
    if 300 <= status < 400:
        raise WebhookError("redirect", f"HTTP {status} (redirect not followed)", status)
    if not 200 <= status < 300:
        raise WebhookError("http_status", f"HTTP {status}", status)
    return status


def _exchange(conn, path: str, body: bytes, headers: dict, *, expired, total) -> int:
    """Send the request and read at most MAX_RESPONSE of the answer: its status, or the failure
    as a WebhookError (a socket the watchdog shut down counts as a timeout)."""
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(MAX_RESPONSE)
        return response.status
    except WebhookError:
        raise
    except ssl.SSLError as exc:
        raise _or_timeout(expired, WebhookError("tls", f"TLS: {exc}")) from exc
    except TimeoutError as exc:
        raise WebhookError("timeout", f"no answer within {total:g} s") from exc
    except ConnectionRefusedError as exc:
        raise WebhookError("connect", f"{type(exc).__name__}: {exc}") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise _or_timeout(expired, WebhookError("network", f"{type(exc).__name__}: {exc}")) from exc


def _or_timeout(expired: threading.Event, error: WebhookError) -> WebhookError:
    if expired.is_set():
        return WebhookError("timeout", "no complete answer within the deadline")
    return error
