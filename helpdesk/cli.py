"""`flask --app wsgi kb check` and `flask --app wsgi kb build` for the knowledge base."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from .evaluation import LANGUAGES, check_question_set, draw_sample, known_question_keys, measure_items, sample_yaml
from .indexing import CorruptGeneration, build_index
from .knowledge import TOPICS, errors_in, load_knowledge
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


def _read_question_log(read):
    """`read(question_log)`, or one line and exit 1 when the database is not available."""
    try:
        return read(current_app.extensions["question_log"])
    except SQLAlchemyError as exc:
        click.echo(f"The database is not available: {str(exc).splitlines()[0][:200]}", err=True)
        sys.exit(1)


@kb.command("gaps", help="Unanswered questions and answers marked unhelpful, grouped, most frequent first.")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3650), help="How far back to look.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def gaps(days: int, as_json: bool):
    found = _read_question_log(lambda qlog: qlog.gaps(days))
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


def _question_sets_dir() -> Path:
    return Path(current_app.root_path).parent / "tests" / "eval"


@kb.command("sample-questions",
            help="Draw recorded visitor questions at random into a question set for staff to label (then kb measure).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The YAML file to write (it must not exist yet).")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 3650), help="How far back to look.")
@click.option("--per-language", default=60, show_default=True, type=click.IntRange(1, 10000),
              help="At most this many questions in each language (en, ja).")
@click.option("--seed", type=click.IntRange(0, 2**31), help="Repeat an earlier draw (default: a new random one).")
@click.option("--exclude", "exclude", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Question sets (files or folders) whose questions are left out; default: tests/eval.")
def sample_questions(out: Path, days: int, per_language: int, seed: int | None, exclude: tuple):
    if out.exists():
        click.echo(f"{out} exists: choose another name (an earlier sample may already be labelled).", err=True)
        sys.exit(1)
    rows = _read_question_log(lambda qlog: qlog.questions_since(days))
    sets = list(exclude) or [d for d in [_question_sets_dir()] if d.is_dir()]
    seed = secrets.randbelow(2**31) if seed is None else seed
    sample, counts = draw_sample(rows, per_language, seed, known_question_keys(sets))
    drawn = ", ".join(f"{counts['drawn'][lang]} {lang} of {counts['available'][lang]}" for lang in LANGUAGES)
    header = [
        f"Visitor questions drawn on {dt.date.today().isoformat()} from the question log of the last {days} days "
        f"(seed {seed}).",
        f"{counts['asked']} asked, {counts['distinct']} distinct; left out: {counts['in_sets']} already in a "
        f"question set, {counts['personal']} holding an e-mail address or phone number. Drawn: {drawn}.",
        "Label every item WITHOUT asking the assistant: topic (" + ", ".join(TOPICS) + ") and fact (a regular",
        "expression the right answer contains, English or Japanese), or replace both with 'answered: false' for a",
        "question the helpdesk should decline. Then: flask --app wsgi kb measure THIS_FILE (once, as a holdout).",
    ]
    try:
        out.write_text(sample_yaml(sample, header), encoding="utf-8")
    except OSError as exc:
        click.echo(f"Cannot write {out}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    click.echo(f"Wrote {len(sample)} question(s) to {out}: {drawn} (seed {seed}).")
    if not sample:
        click.echo("No recorded question is left to draw: nothing to label.")


def _percent(k: int, n: int) -> str:
    return f"{k}/{n} = {100 * k / n:.1f} %" if n else "-"


@kb.command("measure", help="Answer labelled question sets (recording nothing) and print topic@1, fact@3 "
                            "and off-topic declines per language.")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--misses", is_flag=True, help="List every question answered wrongly.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def measure(files: tuple, misses: bool, as_json: bool):
    from .web.asking import respond

    items, problems = [], []
    for file in files:
        found, wrong = check_question_set(file)
        items += found
        problems += wrong
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        click.echo(f"Nothing measured: {len(problems)} problem(s) above.", err=True)
        sys.exit(1)
    result = measure_items(lambda q, lang: respond(q, lang)[0], items)
    generation = current_app.extensions["engine_store"].current().generation
    if as_json:
        click.echo(json.dumps({"files": [str(f) for f in files], "generation": generation, **result},
                              ensure_ascii=False, indent=1))
        return
    click.echo(f"{len(items)} question(s) from {len(files)} file(s), index {generation}:")
    for lang in LANGUAGES:
        f = result["figures"][lang]
        if f["on_topic"] or f["off_topic"]:
            click.echo(f"  {lang}: topic@1 {_percent(f['topic_ok'], f['on_topic'])} · "
                       f"fact@3 {_percent(f['fact_ok'], f['fact_n'])} · "
                       f"off-topic declined {_percent(f['declined'], f['off_topic'])}")
    if misses:
        for miss in result["misses"]:
            what = "should be declined" if miss["expected"] == "declined" else (
                f"expected {miss['expected']}" + ("" if miss["topic_ok"] else " (wrong topic)")
                + (" (fact not in the top 3)" if miss["fact_ok"] is False else ""))
            click.echo(f"  MISS [{miss['lang']}] {miss['q'][:120]!r}: {what}; shown {miss['shown'] or 'nothing'}")


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
