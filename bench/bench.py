"""Benchmark of /api/ask: in-process latency, question recording, then requests/s through gunicorn under wrk.

    .venv/bin/python bench/bench.py [--rounds 5] [--duration 15] [--workers 2] [--connections 16] [--scale 10,50]

Prints, from one run: in-process /api/ask median and p99 beside a bare Whoosh BM25F search over the
same knowledge (the baseline the engine is held to), the cost of recording a question, gunicorn's
requests/s for /api/ask and /healthz and their ratio, the memory (PSS) of master and workers, the
first answer after start, and with --scale the build time and answer latency at N× the knowledge
(synthetic copies from bench/synthetic.py).

Questions come from shared/eval and tests/eval. The gunicorn run turns rate limiting off
(HELPDESK_RATELIMIT_ENABLED=0) because the load comes from one address; it measures the service.
Traffic goes only to 127.0.0.1 and every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpdesk import create_app  # noqa: E402
from helpdesk.evaluation import load_questions  # noqa: E402
from helpdesk.indexing import build_index  # noqa: E402
from helpdesk.knowledge import load_valid_knowledge  # noqa: E402


def questions() -> list:
    items = []
    for path in (ROOT.parent / "shared" / "eval" / "questions.yaml", ROOT / "tests" / "eval" / "questions_own.yaml"):
        if path.exists():
            items.extend(load_questions(path))
    return [(i["q"], i.get("lang", "en")) for i in items]


def in_process(index_dir: Path, qs: list, rounds: int) -> tuple:
    app = create_app({"INDEX_DIR": index_dir, "RATELIMIT_ENABLED": False,
                      "INSTANCE_DIR": index_dir.parent / "instance"})
    client = app.test_client()
    for q, lang in qs:  # warm-up: caches, Sudachi, searchers
        client.get("/api/ask", query_string={"q": q, "lang": lang})
    gc.collect()
    gc.freeze()   # as the gunicorn master and workers do after loading (config/gunicorn.conf.py)
    times = []
    for _ in range(rounds):
        for q, lang in qs:
            start = time.perf_counter()
            response = client.get("/api/ask", query_string={"q": q, "lang": lang})
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"in-process /api/ask: {len(times)} requests over {len(qs)} questions")
    print(f"  median {statistics.median(times):.2f} ms   p99 {p99:.2f} ms   max {times[-1]:.2f} ms")
    return statistics.median(times), p99


def whoosh_baseline(knowledge_dir: Path, qs: list, rounds: int) -> tuple:
    """A bare Whoosh BM25F search over the same entries: English stems and Japanese character
    bigrams over title, questions, keywords and answer, an OR of the question's terms, top 3."""
    from whoosh import index as whoosh_index
    from whoosh import query as wq
    from whoosh.analysis import NgramTokenizer, StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    english, bigrams = StemmingAnalyzer(), NgramTokenizer(2, 2)
    kb = load_valid_knowledge(knowledge_dir)
    with tempfile.TemporaryDirectory() as tmp:
        ix = whoosh_index.create_in(tmp, Schema(id=ID(stored=True), en=TEXT(analyzer=english),
                                                ja=TEXT(analyzer=bigrams)))
        with ix.writer() as writer:
            for e in kb.entries.values():
                writer.add_document(id=e.id, en=" ".join([e.title["en"], *e.questions["en"], *e.keywords["en"],
                                                         e.answer["en"]]),
                                    ja=" ".join([e.title["ja"], *e.questions["ja"], *e.keywords["ja"], e.answer["ja"]]))
        times = []
        with ix.searcher() as searcher:
            for round_ in range(rounds + 1):
                for q, _lang in qs:
                    start = time.perf_counter()
                    terms = [wq.Term("en", t.text) for t in english(q)]
                    terms += [wq.Term("ja", t.text) for t in bigrams(q)]
                    searcher.search(wq.Or(terms), limit=3)
                    if round_:   # the first round warms up
                        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"bare Whoosh BM25F baseline (same knowledge, stems + bigrams, top 3): median "
          f"{statistics.median(times):.2f} ms   p99 {p99:.2f} ms")
    return statistics.median(times), p99


def at_scale(times: int, qs: list, rounds: int) -> None:
    """Build time and answer latency at `times` × the knowledge (synthetic copies)."""
    from bench.synthetic import generate

    with tempfile.TemporaryDirectory() as tmp:
        knowledge = generate(times, Path(tmp))
        start = time.perf_counter()
        kb = load_valid_knowledge(knowledge)
        loaded = time.perf_counter() - start
        build_index(kb, Path(tmp) / "ix")
        built = time.perf_counter() - start
        print(f"{times}× knowledge ({len(kb.entries)} entries): kb build {built:.1f} s "
              f"(reading and checking the files {loaded:.1f} s)")
        del kb
        # Answers are measured in a fresh process, as a web worker serves them: it holds only the
        # generation it loads, not the build's parsed files and garbage.
        sys.stdout.flush()
        subprocess.run([sys.executable, __file__, "--answer-only", str(Path(tmp) / "ix"), "--rounds", str(rounds)],
                       check=True)


def answer_only(index_dir: Path, rounds: int) -> None:
    """Open a generation and measure answers in this process (used by at_scale)."""
    start = time.perf_counter()
    app = create_app({"INDEX_DIR": index_dir, "RATELIMIT_ENABLED": False,
                      "INSTANCE_DIR": index_dir.parent / "instance"})
    app.extensions["engine_store"].current()
    print(f"  opening it: {time.perf_counter() - start:.1f} s")
    in_process(index_dir, questions(), rounds)


def recording_overhead(index_dir: Path, rounds: int = 2000) -> None:
    """What storing a question costs (SQLite, the embedded default): record() alone, per question."""
    from helpdesk.questionlog import QuestionLog

    qlog = QuestionLog(f"sqlite:///{index_dir.parent / 'bench-questions.sqlite3'}")
    qlog.migrate()
    times = []
    for i in range(rounds):
        start = time.perf_counter()
        ask_id = qlog.record(question=f"bench question {i % 50}", question_lang="en", ui_lang="en", partner=None,
                             channel="api", answered=i % 3 != 0, confidence=0.5,
                             shown=[["keishin-what-is", 0.8]], generation="gen-bench")
        times.append((time.perf_counter() - start) * 1000)
        assert ask_id
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"recording a question (SQLite, WAL, synchronous=NORMAL): {rounds} writes")
    print(f"  median {statistics.median(times):.3f} ms   p99 {p99:.3f} ms")
    start = time.perf_counter()
    gaps = qlog.gaps(days=1)
    print(f"  kb gaps over {rounds} questions: {(time.perf_counter() - start) * 1000:.0f} ms, {len(gaps)} groups")
    qlog.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def through_gunicorn(index_dir: Path, qs: list, duration: int, workers: int, connections: int,
                     worker_class: str | None = None) -> None:
    wrk = shutil.which("wrk")
    if not wrk:
        print("wrk not found (apt-get install wrk): skipping the load test")
        return
    port = free_port()
    env = dict(os.environ, HELPDESK_INDEX_DIR=str(index_dir), HELPDESK_RATELIMIT_ENABLED="0", PORT=str(port),
               WORKERS=str(workers), LOG_LEVEL="warning", HELPDESK_INSTANCE_DIR=str(index_dir.parent / "instance"))
    server = subprocess.Popen(   # the README's way: the committed gunicorn settings; access log discarded
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--config", "config/gunicorn.conf.py", "--access-logfile",
         "/dev/null", *(["--worker-class", worker_class, "--threads", "1"] if worker_class else []), "wsgi:app"],
        cwd=ROOT, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urlopen(base + "/healthz", timeout=1).read()  # noqa: S310 (loopback only)
                break
            except OSError:
                time.sleep(0.1)
        start = time.perf_counter()
        urlopen(base + "/api/ask?" + urlencode({"q": qs[0][0]}), timeout=30).read()  # noqa: S310 (loopback)
        print(f"gunicorn ({workers} workers, {worker_class or 'config/gunicorn.conf.py'}):")
        print(f"  first /api/ask after start: {(time.perf_counter() - start) * 1000:.1f} ms")
        ask = run_wrk(wrk, base, ["/api/ask?" + urlencode({"q": q, "lang": lang}) for q, lang in qs], duration,
                      connections)
        health = run_wrk(wrk, base, ["/healthz"], max(3, duration // 3), connections)
        print(f"  under wrk ({connections} connections, loopback): /api/ask {ask['rps']:.0f} requests/s "
              f"({ask['requests']} requests, non-2xx {ask['non2xx']}, socket errors {ask['socket_errors']}, "
              f"latency avg {ask['latency']}); /healthz {health['rps']:.0f} requests/s; "
              f"ratio {ask['rps'] / health['rps']:.3f}")
        print(f"  memory after the load: {pss_mib(server.pid)}")
    finally:
        server.terminate()
        server.wait(timeout=10)


def run_wrk(wrk: str, base: str, paths: list, duration: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write("paths = {\n" + ",\n".join(f'  "{p}"' for p in paths) + "\n}\n")
        lua.write("i = 0\nrequest = function()\n  i = (i % #paths) + 1\n"
                  "  return wrk.format('GET', paths[i])\nend\n")
    try:
        out = subprocess.run([wrk, "-t", "2", "-c", str(connections), "-d", f"{duration}s", "-s", lua.name, base],
                             capture_output=True, text=True, timeout=duration + 30).stdout
    finally:
        os.unlink(lua.name)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    latency = re.search(r"Latency\s+(\S+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else "none",
            "latency": latency.group(1) if latency else "?"}


def pss_mib(master: int) -> str:
    """Proportional set size of the gunicorn master and its workers (shared pages counted once)."""
    pids = [master]
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    sizes = []
    for pid in pids:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            sizes.append(int(re.search(r"^Pss:\s+(\d+) kB", rollup, re.M).group(1)) / 1024)
        except (OSError, AttributeError):
            pass
    return f"PSS {sum(sizes):.0f} MiB in {len(sizes)} processes (" + ", ".join(f"{x:.0f}" for x in sizes) + ")"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--worker-class", help="compare with another gunicorn worker class (one thread), e.g. sync")
    parser.add_argument("--scale", default="", help="comma-separated multiples of the knowledge, e.g. 10,50")
    parser.add_argument("--answer-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.answer_only:
        answer_only(args.answer_only, args.rounds)
        return
    qs = questions()
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "ix"
        build_index(load_valid_knowledge(ROOT / "knowledge"), index_dir)
        ours, _ = in_process(index_dir, qs, args.rounds)
        baseline, _ = whoosh_baseline(ROOT / "knowledge", qs, args.rounds)
        print(f"  /api/ask median ÷ bare Whoosh median: {ours / baseline:.2f}")
        recording_overhead(index_dir)
        through_gunicorn(index_dir, qs, args.duration, args.workers, args.connections, args.worker_class)
    for times in [int(x) for x in args.scale.split(",") if x.strip()]:
        at_scale(times, qs, max(1, args.rounds // 2))


if __name__ == "__main__":
    main()
