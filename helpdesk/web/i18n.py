"""UI language: from the URL (?lang=en|ja), else the partner's default (widget), else the
browser's Accept-Language, else English.

UI strings are translated with Flask-Babel (catalogues in helpdesk/translations, compiled by
the set-up script); knowledge content carries both languages itself.
"""

from __future__ import annotations

from flask import g, request
from flask_babel import Babel

from .requestdata import param

LANGS = ("en", "ja")


def requested_lang() -> str | None:
    """The `lang` parameter if it is valid, None if absent; raises ValueError if invalid."""
    value = param("lang")
    if value is None or value == "":
        return None
    if value not in LANGS:
        raise ValueError("lang must be 'en' or 'ja'")
    return value


def ui_lang() -> str:
    lang = getattr(g, "ui_lang", None)
    if lang:
        return lang
    try:
        lang = requested_lang()
    except ValueError:
        lang = None
    if lang is None:
        record = getattr(g, "partner", None)   # a partner's widget has its own default language
        if record and record.get("lang") in LANGS:
            lang = record["lang"]
        else:
            lang = request.accept_languages.best_match(LANGS) or "en"
    g.ui_lang = lang
    return lang


def init_app(app) -> None:
    Babel(app, locale_selector=ui_lang)
    init_template_helpers(app)

    @app.context_processor
    def language_context():
        return {"ui_lang": ui_lang(), "other_lang": "ja" if ui_lang() == "en" else "en"}


def init_template_helpers(app) -> None:
    from urllib.parse import urlencode

    from flask_babel import gettext, ngettext

    topic_names = {
        "kankouju": ("Kankouju (public orders for SMEs)", "官公需"),
        "keishin": ("Keishin (business evaluation)", "経営事項審査"),
        "digital-marketplace": ("Digital Marketplace", "デジタルマーケットプレイス"),
        "joint-procurement": ("Joint procurement", "共同調達"),
        "general": ("General", "総合"),
    }

    def lang_query(lang: str) -> str:
        args = {k: v for k, v in request.args.items() if k not in ("lang", "fragment")}
        args["lang"] = lang
        return urlencode(args)

    def ask_query(text: str) -> str:
        args = {k: v for k, v in request.args.items() if k in ("partner", "origin")}
        args.update({"q": text, "lang": ui_lang()})
        return urlencode(args)

    def status_text(result: dict) -> str:
        if not result.get("answered"):
            return gettext("No answer found. Contacts are listed.")
        n = len(result.get("answers", []))
        return ngettext("%(num)d answer found.", "%(num)d answers found.", n)

    def topic_name(topic: str) -> str:
        en, ja = topic_names.get(topic, (topic, topic))
        return ja if ui_lang() == "ja" else en

    app.jinja_env.globals.update(lang_query=lang_query, ask_query=ask_query, status_text=status_text,
                                 topic_name=topic_name)
