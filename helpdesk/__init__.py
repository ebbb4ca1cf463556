"""Procurement Helpdesk: a bilingual, rule-based assistant for Japanese public procurement."""

from __future__ import annotations

import logging

from flask import Flask

from . import config


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: configuration, extensions, blueprints, error handlers, CLI."""
    app = Flask(__name__, template_folder=str(config.ROOT / "templates"), static_folder=str(config.ROOT / "static"))
    app.config.from_mapping(config.defaults())
    if test_config:
        app.config.update(test_config)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return app


def register_extensions(app: Flask) -> None:
    from .questionlog import QuestionLog, database_url
    from .store import EngineStore
    from .web import i18n, limits, security, staff

    app.extensions["engine_store"] = EngineStore(app.config["INDEX_DIR"], app.config["INDEX_CHECK_INTERVAL"],
                                                 background=app.config["INDEX_SWITCH_IN_BACKGROUND"])
    app.extensions["question_log"] = QuestionLog(database_url(app.config), app.config["QUESTION_RETENTION_DAYS"])
    i18n.init_app(app)
    security.init_app(app)
    limits.init_app(app)
    staff.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .web import api, calculator_views, errors, feedback, opendata, pages, staff

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(calculator_views.bp)
    app.register_blueprint(feedback.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(opendata.bp)
    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from .cli import db, kb, staff

    app.cli.add_command(kb)
    app.cli.add_command(db)
    app.cli.add_command(staff)
