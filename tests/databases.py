"""A real, throwaway PostgreSQL server for tests, from Debian's `postgresql` package.

`start_postgres(base_dir)` runs initdb in a fresh temporary directory, starts `postgres` listening on 127.0.0.1 only
(trust authentication, Unix socket inside the temporary directory, fsync off) on a free port, creates the database
`helpdesk` and returns a `PostgresServer`. PostgreSQL refuses to run as root, so when the tests run as root (as in CI)
the binaries run as the `postgres` system user; otherwise they run as the current user.

Use the fixtures by importing them into a test module:

    from .databases import postgres_url, postgres_server  # noqa: F401

`postgres_url` is one server for the whole session (tests sharing it must clean up their own tables);
`postgres_server` is a fresh server per test that the test may `kill()` (an outage) and `start()` again.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from .serverutil import free_port

MISSING_MESSAGE = "PostgreSQL is missing: run scripts/setup --dev (it installs Debian's postgresql)"
DATABASE = "helpdesk"
SUPERUSER = "postgres"  # the role initdb creates; trust auth means no password
RUN_AS = "postgres"  # the system user the binaries run as when the tests run as root
START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0

_live_servers: set[PostgresServer] = set()


class PostgresStartError(RuntimeError):
    """The server did not come up; the message carries the tail of its log."""


def find_bin_dir() -> Path | None:
    """The bin/ directory of the highest PostgreSQL version under /usr/lib/postgresql, or None."""
    found = []
    for bin_dir in Path("/usr/lib/postgresql").glob("*/bin"):
        version = bin_dir.parent.name
        if all(part.isdigit() for part in version.split(".")) and (bin_dir / "postgres").is_file() \
                and (bin_dir / "initdb").is_file():
            found.append((tuple(int(part) for part in version.split(".")), bin_dir))
    return max(found)[1] if found else None


def _run_as() -> tuple[dict, dict]:
    """(extra Popen arguments, environment) for running PostgreSQL binaries: as `postgres` when we are root."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C"
    if os.geteuid() != 0:
        return {}, env
    try:
        user = pwd.getpwnam(RUN_AS)
    except KeyError:
        pytest.fail(f"{MISSING_MESSAGE} (running as root, but there is no '{RUN_AS}' system user to run it as)",
                    pytrace=False)
    env.update(HOME=user.pw_dir, USER=RUN_AS, LOGNAME=RUN_AS)
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}, env


class PostgresServer:
    """One PostgreSQL cluster in a temporary directory; `stop()`/`kill()` keep the data so `start()` can resume."""

    def __init__(self, bin_dir: Path, work_dir: Path, base_dir: Path, port: int):
        self.bin_dir = bin_dir
        self.work_dir = work_dir  # owned by the user the server runs as; holds data/, the socket and the log
        self.data_dir = work_dir / "data"
        self._real_data_dir = os.path.realpath(self.data_dir)
        self.log_path = work_dir / "postgres.log"
        self.base_dir = base_dir  # the log is copied here on close(), for post-mortems
        self.port = port
        self._process: subprocess.Popen | None = None
        self._popen_args, self._env = _run_as()
        self._closed = False

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __repr__(self) -> str:
        return f"<PostgresServer 127.0.0.1:{self.port} {'running' if self.running else 'stopped'} {self.work_dir}>"

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _run(self, *args: str) -> None:
        result = subprocess.run(args, cwd=self.work_dir, env=self._env, capture_output=True, text=True, timeout=120,
                                check=False, **self._popen_args)
        if result.returncode != 0:
            raise PostgresStartError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")

    def init(self) -> None:
        """initdb, then restrict the cluster to 127.0.0.1 and the temporary directory."""
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "--auth=trust", f"--username={SUPERUSER}",
                  "--encoding=UTF8", "--no-locale", "--no-sync")
        # Writing as root keeps the files' owner (initdb made them as the server user).
        (self.data_dir / "pg_hba.conf").write_text(
            "local all all trust\n"
            "host all all 127.0.0.1/32 trust\n")
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# tests/databases.py\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.work_dir}'\n"
                # Safe for kill(): committed WAL is in the kernel's page cache, which a process crash keeps.
                # (Not synchronous_commit = off: it loses the last commits when the server is killed.)
                "fsync = off\n"
                "full_page_writes = off\n")

    def start(self) -> None:
        """Start the server (again, after stop() or kill()) on the same port and data; wait until it accepts."""
        if self._closed:
            raise RuntimeError(f"{self!r} was closed")
        if self.running:
            return
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                [str(self.bin_dir / "postgres"), "-D", str(self.data_dir), "-p", str(self.port)],
                cwd=self.work_dir, env=self._env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, **self._popen_args)
        _live_servers.add(self)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self._process.poll() is not None:
                raise PostgresStartError(f"postgres exited with {self._process.returncode} while starting on "
                                         f"127.0.0.1:{self.port}; log tail:\n{self.log_tail()}")
            try:
                with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres",
                                     connect_timeout=2):
                    return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    self.kill()
                    raise PostgresStartError(f"postgres did not accept connections on 127.0.0.1:{self.port} within "
                                             f"{START_TIMEOUT:.0f}s ({exc}); log tail:\n{self.log_tail()}") from exc
            time.sleep(0.05)

    def create_database(self, name: str = DATABASE) -> None:
        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def stop(self) -> None:
        """Fast shutdown (SIGINT: roll back open transactions, disconnect clients); the data stays for start()."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
                return
        self._kill_leftovers()
        self._process = None

    def kill(self) -> None:
        """Crash the server, as in an outage: SIGKILL the postmaster, then any backend or helper still alive."""
        process = self._process
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.kill()  # first, so that it cannot start replacements for the children
        process.wait()
        self._kill_leftovers()
        self._process = None

    def _kill_leftovers(self) -> None:
        # The children call setsid() (so killpg on the postmaster misses them) and only notice its death
        # asynchronously; a restart must not find them still attached to the old shared memory.
        deadline = time.monotonic() + 10
        while (pids := self._server_pids()) and time.monotonic() < deadline:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def _server_pids(self) -> list[int]:
        """Live processes of this cluster: postgres chdirs into its data directory and its children inherit that."""
        pids = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            with contextlib.suppress(OSError):  # gone, a zombie (no cwd), or not ours
                if os.readlink(proc / "cwd") == self._real_data_dir:
                    pids.append(int(proc.name))
        return pids

    def close(self) -> None:
        """Stop the server and delete its directory (after copying the log to base_dir)."""
        if self._closed:
            return
        try:
            self.stop()
            self._remove_stale_shared_memory()
            with contextlib.suppress(OSError):
                if self.log_path.exists() and self.base_dir.is_dir():
                    shutil.copyfile(self.log_path, self.base_dir / f"postgres-{self.port}.log")
        finally:
            self._closed = True
            _live_servers.discard(self)
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def _remove_stale_shared_memory(self) -> None:
        """After kill() without a restart the SysV segment named in postmaster.pid outlives the server: remove it."""
        pid_file = self.data_dir / "postmaster.pid"
        with contextlib.suppress(OSError, IndexError, ValueError, subprocess.SubprocessError):
            shmid = int(pid_file.read_text().splitlines()[6].split()[1])
            ipcrm = shutil.which("ipcrm")
            if ipcrm and shmid >= 0:
                subprocess.run([ipcrm, "-m", str(shmid)], capture_output=True, timeout=10, check=False)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError as exc:
            return f"(no log: {exc})"


def start_postgres(base_dir: Path) -> PostgresServer:
    """Create and start a PostgreSQL server with an empty database `helpdesk`; `close()` it (or use `with`)."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.fail(MISSING_MESSAGE, pytrace=False)
    popen_args, _ = _run_as()
    # Not under base_dir: a pytest tmp_path sits below /tmp/pytest-of-root (mode 0700), which the postgres user
    # cannot traverse, and a short path keeps the Unix socket path within its 107-byte limit.
    work_dir = Path(tempfile.mkdtemp(prefix="helpdesk-pg-"))
    if "user" in popen_args:
        os.chown(work_dir, popen_args["user"], popen_args["group"])
    server = PostgresServer(bin_dir, work_dir, Path(base_dir), free_port())
    try:
        server.init()
        for attempt in range(3):
            try:
                server.start()
                break
            except PostgresStartError as exc:
                # Another process took the free port between free_port() and postgres binding it: try another.
                if attempt == 2 or "Address already in use" not in str(exc):
                    raise
                server.port = free_port()
        server.create_database()
    except BaseException:
        server.close()
        raise
    return server


@atexit.register
def _close_leftovers() -> None:
    for server in list(_live_servers):
        server.close()


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory) -> Iterator[str]:
    """The SQLAlchemy URL of one PostgreSQL server shared by the whole session."""
    with start_postgres(tmp_path_factory.mktemp("postgres")) as server:
        yield server.url


@pytest.fixture()
def postgres_server(tmp_path) -> Iterator[PostgresServer]:
    """A fresh PostgreSQL server for one test, which may stop/kill/start it."""
    with start_postgres(tmp_path) as server:
        yield server
