"""The sentence result cache on its own: LRU by bytes, policies, and a real redis-server."""

from __future__ import annotations

import hashlib
import logging
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from service import cachestores, resultcache
from service.metrics import Metrics
from service.models.backend import Generation
from service.resultcache import GenerationCodec, ResultCache, TextCodec, entry_key, fingerprint
from tests.redisserver import RedisServer, free_port


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(name, labels or None)
    return value or 0.0


def make(metrics: Metrics, **options: object) -> ResultCache[str]:
    return ResultCache(TextCodec(), metrics.results, **options)  # type: ignore[arg-type]


def run(cache: ResultCache[str], texts: list[str], computed: list[str]) -> list[str]:
    """One request: look up, 'compute' the misses by upper-casing them, store, merge."""
    found = cache.lookup("scope", texts)
    fresh = [text.upper() for text in found.missing]
    computed.extend(found.missing)
    cache.store(found, fresh)
    return found.merge(fresh)


def test_hits_skip_compute_and_a_mixed_request_computes_only_its_misses() -> None:
    metrics = Metrics()
    cache = make(metrics)
    computed: list[str] = []
    assert run(cache, ["a b", "c d"], computed) == ["A B", "C D"]
    assert run(cache, ["c d", "e f", "a b"], computed) == ["C D", "E F", "A B"]
    assert computed == ["a b", "c d", "e f"]
    assert sample(metrics, "tarjoman_result_cache_hits_total", tier="memory") == 2
    assert sample(metrics, "tarjoman_result_cache_misses_total") == 3
    assert sample(metrics, "tarjoman_result_cache_bytes") == cache.memory.nbytes > 0


def test_scope_separates_models_and_options() -> None:
    cache = make(Metrics())
    found = cache.lookup("model-a|beams=1", ["x"])
    cache.store(found, ["from a"])
    assert cache.lookup("model-a|beams=1", ["x"]).found == ["from a"]
    assert cache.lookup("model-a|beams=4", ["x"]).missing == ["x"]
    assert entry_key("a", "x") != entry_key("b", "x") != entry_key("a", "y")


def test_an_entry_key_is_the_digest_of_format_scope_and_text() -> None:
    """Keys stay what Redis already holds, however the scope's digest is reused."""
    for scope, text in [("a", "x"), ("a", "y"), ("b" * 500, "\ud800 lone"), ("a", "")]:
        whole = f"{resultcache.FORMAT}\x00{scope}\x00{text}".encode("utf-8", "surrogatepass")
        assert entry_key(scope, text) == hashlib.sha256(whole).digest()


def test_memory_is_bounded_by_bytes_least_recent_out() -> None:
    metrics = Metrics()
    entry = cachestores.ENTRY_OVERHEAD + 32 + 10  # key digest + a 10-byte value
    cache = make(metrics, memory_bytes=3 * entry)
    for text in ("0123456789", "abcdefghij", "ABCDEFGHIJ"):
        cache.store(cache.lookup("s", [text]), [text])
    cache.lookup("s", ["0123456789"])  # now the most recently used
    cache.store(cache.lookup("s", ["klmnopqrst"]), ["klmnopqrst"])
    assert cache.lookup("s", ["abcdefghij"]).missing == ["abcdefghij"]  # the least recent went
    assert cache.lookup("s", ["0123456789", "klmnopqrst"]).missing == []
    assert cache.memory.nbytes <= 3 * entry
    assert sample(metrics, "tarjoman_result_cache_evictions_total") == 1
    assert sample(metrics, "tarjoman_result_cache_bytes") == cache.memory.nbytes


def test_a_value_larger_than_the_budget_is_not_kept() -> None:
    cache = make(Metrics(), memory_bytes=100)
    cache.store(cache.lookup("s", ["x"]), ["y" * 500])
    assert len(cache.memory) == 0
    assert cache.memory.nbytes == 0


def test_no_cache_recomputes_and_refreshes_no_store_leaves_nothing() -> None:
    cache = make(Metrics())
    cache.store(cache.lookup("s", ["x"]), ["old"])
    token = resultcache.policy.set("no-cache")
    try:
        found = cache.lookup("s", ["x"])
        assert found.missing == ["x"]
        cache.store(found, ["new"])
    finally:
        resultcache.policy.reset(token)
    assert cache.lookup("s", ["x"]).found == ["new"]
    token = resultcache.policy.set("no-store")
    try:
        found = cache.lookup("s", ["y"])
        cache.store(found, ["Y"])
    finally:
        resultcache.policy.reset(token)
    assert cache.lookup("s", ["y"]).missing == ["y"]


def test_disabled_cache_never_finds_or_keeps() -> None:
    metrics = Metrics()
    cache = make(metrics, enabled=False, url="redis://127.0.0.1:1/0")
    computed: list[str] = []
    run(cache, ["x"], computed)
    run(cache, ["x"], computed)
    assert computed == ["x", "x"]
    assert cache.redis is None
    assert len(cache.memory) == 0
    assert sample(metrics, "tarjoman_result_cache_misses_total") == 0


def test_generations_round_trip_and_a_foreign_entry_is_a_miss() -> None:
    codec = GenerationCodec()
    value = Generation("باران آمد", 7, hit_limit=True, alternatives=("باران آمد", "باران بارید"))
    assert codec.decode(codec.encode(value)) == value
    cache = ResultCache(codec, Metrics().results)
    cache.memory.put_many([(entry_key("s", "x"), b"not json"), (entry_key("s", "y"), b"[1]")])
    assert cache.lookup("s", ["x", "y"]).missing == ["x", "y"]


def test_fingerprint_changes_when_weights_change(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.safetensors").write_bytes(b"1234")
    before = fingerprint(tmp_path)
    assert fingerprint(tmp_path) == before
    (tmp_path / "model.safetensors").write_bytes(b"12345")
    assert fingerprint(tmp_path) != before
    assert fingerprint(None) == "absent"


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def test_two_processes_share_entries_through_redis_compressed_with_a_ttl(
    redis_server: RedisServer,
) -> None:
    first_metrics, second_metrics = Metrics(), Metrics()
    first = make(first_metrics, url=redis_server.url, ttl_s=600)
    second = make(second_metrics, url=redis_server.url, ttl_s=600)
    long = "the same headline, requested by a hundred dashboards " * 4
    computed: list[str] = []
    run(first, [long, "short"], computed)
    assert run(second, ["short", long], computed) == ["SHORT", long.upper()]
    assert computed == [long, "short"]  # the second process computed nothing
    assert sample(second_metrics, "tarjoman_result_cache_hits_total", tier="redis") == 2
    run(second, [long], computed)  # promoted into the second's memory
    assert sample(second_metrics, "tarjoman_result_cache_hits_total", tier="memory") == 1

    client = redis.Redis.from_url(redis_server.url)
    stored_key = cachestores.REDIS_PREFIX + entry_key("scope", long).hex().encode()
    stored = client.get(stored_key)
    ttl = client.ttl(stored_key)
    client.close()
    assert isinstance(stored, bytes)
    assert stored[:1] == b"z"
    assert len(stored) < len(long.upper())
    assert zlib.decompress(stored[1:]) == long.upper().encode()
    assert 0 < ttl <= 600
    assert sample(first_metrics, "tarjoman_result_cache_backend_up", backend="redis") == 1
    first.close()
    second.close()


def test_redis_outage_degrades_to_memory_with_a_warning_and_a_metric(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    metrics = Metrics()
    cache = make(metrics, url=redis_server.url)
    computed: list[str] = []
    run(cache, ["kept in memory"], computed)
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="service.cachestores"):
        assert run(cache, ["kept in memory", "new one"], computed) == ["KEPT IN MEMORY", "NEW ONE"]
        assert run(cache, ["another"], computed) == ["ANOTHER"]  # skips redis for a while
    assert computed == ["kept in memory", "new one", "another"]
    warnings = [r for r in caplog.records if "redis" in r.getMessage()]
    assert len(warnings) == 1  # once per outage, not once per request
    assert sample(metrics, "tarjoman_result_cache_backend_errors_total", operation="get") == 1
    assert sample(metrics, "tarjoman_result_cache_backend_up", backend="redis") == 0

    redis_server.start()
    assert cache.redis is not None
    cache.redis.retry_after_s = 0.0  # rather than wait out the 5 s it skips redis for
    run(cache, ["after the outage"], computed)
    assert sample(metrics, "tarjoman_result_cache_backend_up", backend="redis") == 1
    client = redis.Redis.from_url(redis_server.url)
    assert client.dbsize() >= 1  # writes reach redis again
    client.close()
    cache.close()


def test_a_redis_that_never_was_costs_no_error() -> None:
    metrics = Metrics()
    cache = make(metrics, url=f"redis://127.0.0.1:{free_port()}/0", timeout_s=0.2)
    computed: list[str] = []
    assert run(cache, ["x"], computed) == ["X"]
    assert run(cache, ["x"], computed) == ["X"]  # from memory
    assert computed == ["x"]
    # Found down at start: requests skip it rather than each pay for the failure.
    assert sample(metrics, "tarjoman_result_cache_backend_errors_total", operation="ping") == 1
    assert sample(metrics, "tarjoman_result_cache_backend_errors_total", operation="get") == 0
    assert sample(metrics, "tarjoman_result_cache_backend_up", backend="redis") == 0
    cache.close()
