"""The job index in Redis: one hash per job, a sorted set per owner; scripts keep it atomic."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from redis import Redis

from service.jobs.model import JobRecord, JobSpec, JobState

PREFIX = "tarjoman:job:"
OWNER = "tarjoman:jobs:owner:"
FINISHED = "tarjoman:jobs:finished"
_OPTIONAL = {"started", "finished", "error"}
_FLOATS = {"created", "started", "finished", "lease_until"}
_INTS = {"total", "done", "failed_items", "attempts", "bytes"}

_CLAIM = """
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'queued' and state ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'running', 'lease_until', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
if redis.call('HGET', KEYS[1], 'started') == '' then
  redis.call('HSET', KEYS[1], 'started', ARGV[1])
end
return 1
"""
_HEARTBEAT = """
if redis.call('HGET', KEYS[1], 'state') ~= 'running' then return 0 end
if redis.call('HGET', KEYS[1], 'attempts') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'lease_until', ARGV[2], 'done', ARGV[3], 'failed_items', ARGV[4])
return 1
"""
_FINISH = """
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'queued' and state ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'finished', ARGV[2], 'error', ARGV[3],
           'bytes', ARGV[4], 'lease_until', '0')
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[5])
return 1
"""


def _encode(record: JobRecord) -> dict[str, str]:
    values: dict[str, str] = {}
    for field in fields(JobRecord):
        value = getattr(record, field.name)
        if field.name == "spec":
            values["spec"] = record.spec.to_json()
        else:
            values[field.name] = "" if value is None else str(value)
    return values


def _decode(raw: dict[bytes, bytes]) -> JobRecord:
    values: dict[str, Any] = {k.decode(): v.decode() for k, v in raw.items()}
    for name in list(values):
        if name in _OPTIONAL and values[name] == "":
            values[name] = None
        elif name in _FLOATS:
            values[name] = float(values[name])
        elif name in _INTS:
            values[name] = int(values[name])
    values["spec"] = JobSpec.from_json(values["spec"])
    return JobRecord(**values)


class RedisStore:
    """Jobs' records in Redis, shared by the API replicas and every `tarjoman worker`."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._claim = redis.register_script(_CLAIM)
        self._heartbeat = redis.register_script(_HEARTBEAT)
        self._finish = redis.register_script(_FINISH)

    def create(self, record: JobRecord) -> None:
        """Add a new job."""
        with self.redis.pipeline() as pipe:
            pipe.hset(PREFIX + record.id, mapping=_encode(record))  # type: ignore[arg-type]
            pipe.zadd(OWNER + record.owner, {record.id: record.created})
            pipe.execute()

    def get(self, job_id: str) -> JobRecord | None:
        """One job, or None."""
        raw: dict[bytes, bytes] = self.redis.hgetall(PREFIX + job_id)  # type: ignore[assignment]
        return _decode(raw) if raw else None

    def by_owner(self, owner: str) -> list[JobRecord]:
        """The owner's jobs, newest first."""
        ids: list[bytes] = self.redis.zrevrange(OWNER + owner, 0, -1)  # type: ignore[assignment]
        found = [self.get(job_id.decode()) for job_id in ids]
        return [record for record in found if record is not None]

    def claim(self, job_id: str | None, now: float, lease_s: float) -> JobRecord | None:
        """Mark the job RQ delivered running (RQ delivers each job to one worker at a time)."""
        if job_id is None:
            return None
        if not self._claim(keys=[PREFIX + job_id], args=[now, now + lease_s]):
            return None
        return self.get(job_id)

    def heartbeat(
        self, job_id: str, attempt: int, lease_until: float, done: int, failed_items: int
    ) -> bool:
        """Extend the lease of this attempt and record progress; False when it was lost."""
        args = [attempt, lease_until, done, failed_items]
        return bool(self._heartbeat(keys=[PREFIX + job_id], args=args))

    def set_total(self, job_id: str, total: int) -> None:
        """Record how many items the job has."""
        if self.redis.exists(PREFIX + job_id):
            self.redis.hset(PREFIX + job_id, "total", total)

    def finish(
        self, job_id: str, state: JobState, now: float, error: str | None, size: int
    ) -> None:
        """Record the end of a running job: done, failed or cancelled."""
        args = [state, now, error or "", size, job_id]
        self._finish(keys=[PREFIX + job_id, FINISHED], args=args)

    def delete(self, job_id: str) -> None:
        """Forget a job."""
        record = self.get(job_id)
        with self.redis.pipeline() as pipe:
            pipe.delete(PREFIX + job_id)
            pipe.zrem(FINISHED, job_id)
            if record is not None:
                pipe.zrem(OWNER + record.owner, job_id)
            pipe.execute()

    def expired(self, before: float) -> list[str]:
        """Jobs that finished before `before`."""
        ids: list[bytes] = self.redis.zrangebyscore(FINISHED, "-inf", before)  # type: ignore[assignment]
        return [job_id.decode() for job_id in ids]

    def usage(self, owner: str) -> tuple[int, int]:
        """The owner's queued or running jobs, and bytes stored."""
        records = self.by_owner(owner)
        return sum(r.active for r in records), sum(r.bytes for r in records)
