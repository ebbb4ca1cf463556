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

import yaml
from flask import current_app, g
from werkzeug.middleware.proxy_fix import ProxyFix

PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
                      "microphone=(), payment=(), usb=(), interest-cohort=()")
BASE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'")


def load_partners(path: Path) -> dict:
    """Partner key → {origins: [...], lang, accent}; invalid records are skipped."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    partners = {}
    for key, item in (data.get("partners") or {}).items():
        if not isinstance(item, dict):
            continue
        origins = [o for o in item.get("origins", []) if isinstance(o, str) and o.startswith(("https://", "http://"))
                   and " " not in o and ";" not in o and "'" not in o]
        partners[str(key)] = {"origins": origins, "lang": item.get("lang", "en"),
                              "accent": item.get("accent", ""), "name": item.get("name", str(key))}
    return partners


def partner(key: str | None) -> dict | None:
    if not key:
        return None
    return current_app.extensions["partners"].get(key)


def allow_framing(partner_record: dict | None) -> None:
    """Called by widget views: frame-ancestors lists the partner's origins (or 'self')."""
    origins = partner_record["origins"] if partner_record else []
    g.frame_ancestors = " ".join(["'self'", *origins])


def init_app(app) -> None:
    app.extensions["partners"] = load_partners(app.config["PARTNERS_FILE"])
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
