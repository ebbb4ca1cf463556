"""`flask --app wsgi kb check` and `flask --app wsgi kb build` for the knowledge base."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from .indexing import CorruptGeneration, build_index
from .knowledge import errors_in, load_knowledge
from .partners import check_partners


@click.group("kb", cls=AppGroup, help="Check the knowledge files and build the search index.")
def kb():
    pass


def _report(problems) -> int:
    for problem in problems:
        click.echo(str(problem), err=problem.severity == "error")
    errors = errors_in(problems)
    warnings = len(problems) - len(errors)
    click.echo(f"{len(errors)} error(s), {warnings} warning(s)")
    return len(errors)


@kb.command("check", help="Validate every knowledge file and the partners file; report problems with file and line.")
def check():
    root = current_app.config["KNOWLEDGE_DIR"]
    base, problems = load_knowledge(root)
    partners, partner_problems = check_partners(current_app.config["PARTNERS_FILE"])
    errors = _report(problems + partner_problems)
    if errors:
        sys.exit(1)
    click.echo(f"OK: {len(base.entries)} entries, {len(base.glossary)} glossary terms, "
               f"{len(base.synonyms)} synonym groups, {len(partners)} partners")


@kb.command("build", help="Build a new index generation and switch to it (refuses an invalid knowledge base).")
def build():
    root = current_app.config["KNOWLEDGE_DIR"]
    base, problems = load_knowledge(root)
    if _report(problems):
        click.echo("Not built: fix the errors above. The index being served is unchanged.", err=True)
        sys.exit(1)
    try:
        generation = build_index(base, current_app.config["INDEX_DIR"])
    except OSError as exc:   # disk full, read-only disk, permissions: one line, not a traceback
        where = f" ({exc.filename})" if exc.filename else ""
        click.echo(f"Not built: {exc.strerror or exc}{where}. The index being served is unchanged.", err=True)
        sys.exit(1)
    except CorruptGeneration as exc:
        click.echo(f"Not built: the new generation did not verify: {exc}. The index being served is unchanged.",
                   err=True)
        sys.exit(1)
    click.echo(f"Built {generation.name} with {len(base.entries)} entries; now serving it.")


@kb.command("gaps", help="Unanswered questions and answers marked unhelpful, grouped, most frequent first.")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3650), help="How far back to look.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def gaps(days: int, as_json: bool):
    qlog = current_app.extensions["question_log"]
    try:
        found = qlog.gaps(days)
    except SQLAlchemyError as exc:
        click.echo(f"The database is not available: {str(exc).splitlines()[0][:200]}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps({"days": days, "gaps": found}, ensure_ascii=False, indent=1))
        return
    if not found:
        click.echo(f"No gaps in the last {days} days.")
        return
    click.echo(f"{len(found)} gap(s) in the last {days} days, most frequent first:\n")
    for i, gap in enumerate(found, start=1):
        click.echo(f"{i:3d}. {gap['question']}")
        click.echo(f"     asked {gap['count']}×, no answer {gap['unanswered']}×, not helpful {gap['not_helpful']}×"
                   f" · {', '.join(gap['languages'])} · partners: {', '.join(gap['partners']) or '-'}"
                   f" · last {gap['last_asked'][:16].replace('T', ' ')} · entry shown: {gap['entry'] or '-'}")
        for comment in gap["comments"][:3]:
            click.echo(f"     comment: {comment}")


@kb.command("purge", help="Delete recorded questions older than HELPDESK_QUESTION_RETENTION_DAYS.")
def purge():
    qlog = current_app.extensions["question_log"]
    removed = qlog.purge()
    click.echo(f"Deleted {removed} question(s) older than {qlog.retention_days} days.")


@click.group("db", cls=AppGroup, help="The database of recorded questions, feedback and staff accounts.")
def db():
    pass


@db.command("upgrade", help="Apply database migrations (they also run when the service first writes).")
def upgrade():
    version = current_app.extensions["question_log"].migrate()
    click.echo(f"Database schema at version {version}.")


@click.group("staff", cls=AppGroup, help="Staff accounts for the /staff dashboard.")
def staff():
    pass


@staff.command("add", help="Create a staff account, or set a new password for it (prompted, stored hashed).")
@click.argument("name")
@click.password_option(prompt="Password", confirmation_prompt=True)
def staff_add(name: str, password: str):
    from .web.staff import hash_password

    if not 0 < len(name) <= 100 or not name.isprintable():
        click.echo("The name must be 1 to 100 printable characters.", err=True)
        sys.exit(1)
    if len(password) < 12:
        click.echo("The password must have at least 12 characters.", err=True)
        sys.exit(1)
    current_app.extensions["question_log"].add_staff(name, hash_password(password))
    click.echo(f"Staff account {name!r} saved.")
