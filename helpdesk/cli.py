"""`flask --app wsgi kb check` and `flask --app wsgi kb build` for the knowledge base."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from .indexing import CorruptGeneration, build_index
from .knowledge import errors_in, load_knowledge


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


@kb.command("check", help="Validate every knowledge file; report problems with file and line.")
def check():
    root = current_app.config["KNOWLEDGE_DIR"]
    base, problems = load_knowledge(root)
    errors = _report(problems)
    if errors:
        sys.exit(1)
    click.echo(f"OK: {len(base.entries)} entries, {len(base.glossary)} glossary terms, "
               f"{len(base.synonyms)} synonym groups")


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
