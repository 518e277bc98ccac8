"""Security headers on every response. Pages load nothing from other hosts,
so the content security policy allows only the hub itself."""
from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


def over_limit(limits_text: str, key: str) -> bool:
    """Count one more attempt under `key` against `limits_text` ("5 per hour;20 per day") in the
    limiter's storage (memory, or Redis shared by every worker); True when a limit is used up.
    For limits on what a form contains (a sender's address), which the decorators cannot key on;
    the view then answers on the form itself, with what the visitor typed."""
    from flask import current_app
    from limits import parse_many

    from hub.extensions import limiter

    if not limiter.enabled:
        return False
    items = parse_many(limits_text)
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    if not all(limiter.limiter.test(item, prefix, key) for item in items):
        return True
    for item in items:
        limiter.limiter.hit(item, prefix, key)
    return False
