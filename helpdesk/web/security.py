"""Security headers for every response, in one small middleware.

- A Content-Security-Policy without inline scripts or styles.
- `frame-ancestors`: pages are not framable ('none'), except the widget routes, which allow
  exactly the origins in the partner's allow-list (config/partners.yaml), or 'self' for an
  unknown or missing partner key. Widget routes send no X-Frame-Options, because it would
  override the allow-list in older browsers; other pages send DENY as well.
- nosniff, a strict Referrer-Policy and a Permissions-Policy that turns off powerful features.
- Strict-Transport-Security when the public address (HELPDESK_PUBLIC_URL) is https.
- Behind HELPDESK_TRUSTED_PROXIES reverse proxies, the client address and scheme come from their
  X-Forwarded-For / X-Forwarded-Proto (werkzeug's ProxyFix); with 0, those headers are ignored.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app, g
from werkzeug.middleware.proxy_fix import ProxyFix

from ..partners import CHECK_INTERVAL, PartnerRegistry, check_partners

PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
                      "microphone=(), payment=(), usb=(), interest-cohort=()")
BASE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'")


def load_partners(path: Path) -> dict:
    """Partner key → {origins: [...], lang, accent, name}, or {} when the file has any error."""
    partners, problems = check_partners(path)
    return {} if problems else partners


def partner(key: str | None) -> dict | None:
    if not key:
        return None
    return current_app.extensions["partners"].get(key)   # a PartnerRegistry: follows the file


def allow_framing(partner_record: dict | None) -> None:
    """Called by widget views: frame-ancestors lists the partner's origins (or 'self')."""
    origins = partner_record["origins"] if partner_record else []
    g.frame_ancestors = " ".join(["'self'", *origins])


def init_app(app) -> None:
    app.extensions["partners"] = PartnerRegistry(app.config["PARTNERS_FILE"],
                                                 app.config.get("PARTNERS_CHECK_INTERVAL", CHECK_INTERVAL))
    # Browsers keep to https once told; only when the public address is https (set by the operator).
    hsts = app.config["PUBLIC_URL"].startswith("https://")
    if app.config["TRUSTED_PROXIES"] > 0:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)

    @app.after_request
    def set_security_headers(response):
        ancestors = getattr(g, "frame_ancestors", None)
        frame_ancestors = ancestors or "'none'"
        response.headers["Content-Security-Policy"] = f"{BASE_CSP}; frame-ancestors {frame_ancestors}"
        if ancestors is None:
            response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
        response.headers.setdefault("Cache-Control", "no-store")
        if hsts:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response
