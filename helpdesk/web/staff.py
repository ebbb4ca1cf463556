"""The staff dashboard (/staff): what users asked, what failed, what helped. Closed to the public.

Accounts are created with `flask --app wsgi staff add NAME` (password prompted, stored hashed).
The session cookie exists only under /staff (HttpOnly, SameSite=Strict, Secure when the public
address is https); every form carries a CSRF token (Flask-WTF); login attempts are rate-limited
per address (HELPDESK_RATELIMIT_LOGIN).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import tempfile
from functools import cache, wraps
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .. import staffdata
from ..questionlog import gaps_of
from .asking import engine
from .limits import limiter

bp = Blueprint("staff", __name__, url_prefix="/staff")
log = logging.getLogger(__name__)
PERIODS = (7, 30, 90)


@cache
def _dummy_hash() -> str:
    """A hash to compare against when the name is unknown, so both cases take the same time.

    Made on the first sign-in, not at import: scrypt takes about 0.1 s, which every worker start
    and every command would otherwise pay.
    """
    return generate_password_hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return generate_password_hash(password)   # scrypt with a random salt (werkzeug's default)


class LoginForm(FlaskForm):
    name = StringField("name", validators=[DataRequired(), Length(max=100)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=200)])


class LogoutForm(FlaskForm):
    pass


def init_app(app) -> None:
    """Session settings that keep the staff cookie to /staff, and a signing key."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.config["INSTANCE_DIR"]))
    app.config.update(
        SESSION_COOKIE_NAME="helpdesk_staff", SESSION_COOKIE_PATH="/staff", SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_SECURE=app.config["PUBLIC_URL"].startswith("https://"),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8), WTF_CSRF_TIME_LIMIT=3600,
    )


def _instance_secret(instance: Path) -> str:
    """A random key kept in INSTANCE_DIR/secret_key (0600); the first worker to start creates it."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=instance, prefix=".secret-")
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)   # atomic and refuses to replace: every worker ends up with one key
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


def staff_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not session.get("staff"):
            return redirect(url_for("staff.login", next=request.path))
        return view(*args, **kwargs)
    return wrapper


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            error = _("The form has expired or is incomplete; please try again.")
        else:
            try:
                stored = current_app.extensions["question_log"].staff_password_hash(form.name.data)
            except SQLAlchemyError:
                stored, error = None, _("The database is not available; please try again later.")
            if check_password_hash(stored or _dummy_hash(), form.password.data) and stored:
                session.clear()
                session["staff"] = form.name.data
                session.permanent = True
                log.info("staff login: %s", form.name.data)
                target = request.args.get("next", "")
                return redirect(target if target.startswith("/staff") else url_for("staff.dashboard"))
            error = error or _("Wrong name or password.")
    return render_template("staff/login.html", form=form, error=error), 401 if error else 200


@bp.post("/logout")
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        session.clear()
    return redirect(url_for("staff.login"))


def _period() -> int:
    try:
        days = int(request.args.get("days", "30"))
    except ValueError:
        days = 30
    return days if days in PERIODS else 30


def _with_entry_files(gaps: list[dict]) -> list[dict]:
    """Each gap's shown entry with the knowledge file staff would edit."""
    entries = engine().entries
    for gap in gaps:
        gap["entry_file"] = entries.get(gap["entry"] or "", {}).get("path")
    return gaps


@bp.get("/")
@staff_required
def dashboard():
    days = _period()
    try:
        rows = current_app.extensions["question_log"].questions_since(days)
    except SQLAlchemyError:
        return render_template("staff/dashboard.html", unavailable=True, days=days, periods=PERIODS,
                               logout=LogoutForm()), 503
    gaps = _with_entry_files(gaps_of(rows))
    daily = staffdata.per_day(rows, days, dt.datetime.now(dt.UTC).date())
    return render_template(
        "staff/dashboard.html", unavailable=False, days=days, periods=PERIODS, logout=LogoutForm(),
        total=len(rows), answered=sum(1 for r in rows if r["answered"]),
        votes=sum(len(r["feedback"]) for r in rows),
        chart=staffdata.bar_chart(daily, ("answered", "unanswered")), gaps=gaps[:50], gap_count=len(gaps),
        helpfulness=staffdata.helpfulness(rows)[:30], titles={k: v["title"] for k, v in engine().entries.items()},
        partners=staffdata.breakdown(rows, "partner", "—"), languages=staffdata.breakdown(rows, "question_lang", "?"),
        channels=staffdata.breakdown(rows, "channel", "?"))


@bp.get("/gaps.csv")
@staff_required
def gaps_csv():
    days = _period()
    gaps = _with_entry_files(current_app.extensions["question_log"].gaps(days))
    return Response(staffdata.gaps_csv(gaps), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=helpdesk-gaps-{days}d.csv", "Cache-Control": "no-store"})
