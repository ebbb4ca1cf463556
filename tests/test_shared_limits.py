"""Rate limits shared through a real Redis: one budget per address across two nodes.

Starts Debian's redis-server (installed by scripts/setup --dev) on a loopback port in a temporary
folder, and two gunicorn "nodes" (2 workers each) that count in it.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpdesk.indexing import build_index
from helpdesk.knowledge import load_valid_knowledge

from .conftest import FIXTURE_KB
from .serverutil import free_port, request, running_redis, running_server

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with running_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    target = tmp_path_factory.mktemp("shared-ix")
    build_index(load_valid_knowledge(FIXTURE_KB), target)
    return target


def test_limit_holds_across_two_nodes(redis_url, index_dir, tmp_path):
    limit = 10
    env = {"HELPDESK_RATELIMIT_ASK": f"{limit} per minute", "HELPDESK_RATELIMIT_STORAGE_URI": redis_url,
           "HELPDESK_SECRET_KEY": "shared-by-both-nodes"}
    with running_server(index_dir, FIXTURE_KB, tmp_path / "a.log", **env) as node_a, \
            running_server(index_dir, FIXTURE_KB, tmp_path / "b.log", **env) as node_b, \
            ThreadPoolExecutor(max_workers=4) as pool:
        targets = [node_a, node_b] * 20
        statuses = list(pool.map(lambda port: request(port, "GET", "/api/ask?q=keishin")[0], targets))
    print(f"\nRedis-shared limit {limit}/minute over 2 nodes x 2 workers: {statuses.count(200)} of "
          f"{len(statuses)} answered")
    # The full limit, not a per-worker share, and not more: the counters are shared.
    assert statuses.count(200) == limit and statuses.count(429) == len(statuses) - limit
    # The shared store holds counters under a keyed hash, never the client's address.
    import redis

    keys = [k.decode() for k in redis.Redis.from_url(redis_url).keys("*")]
    assert keys and not any("127.0.0.1" in k for k in keys), keys


def test_unreachable_store_does_not_stop_answering(index_dir, tmp_path):
    dead = f"redis://127.0.0.1:{free_port()}"
    with running_server(index_dir, FIXTURE_KB, tmp_path / "c.log", HELPDESK_RATELIMIT_STORAGE_URI=dead,
                        HELPDESK_SECRET_KEY="k") as port:
        assert [request(port, "GET", "/api/ask?q=keishin")[0] for _ in range(3)] == [200, 200, 200]


def test_shared_store_without_shared_secret_refuses_to_start(fixture_kb_dir, tmp_path):
    from .conftest import make_app

    with pytest.raises(RuntimeError, match="HELPDESK_SECRET_KEY"):
        make_app(fixture_kb_dir, tmp_path / "ix", RATELIMIT_STORAGE_URI="redis://127.0.0.1:1")
