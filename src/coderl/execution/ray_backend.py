"""The judge on a Ray cluster: one actor per node, each holding coderl's warm local pool.

Isolation and speed on each node stay those of the local judge (the actor's `Pool` starts
the same workers and zygotes); Ray only carries jobs and judgements. Jobs go to actors in
chunks; an actor streams its chunk's judgements back as its pool finishes them, and a thread
per chunk feeds them into one queue, so that `run` yields in completion order across actors.
An actor that dies loses nothing: the jobs of its chunks not yet answered go to another
actor (a fresh one replaces it), and only a job whose actors died more than
``JudgeConfig.retries`` times becomes a `WorkerFault` (the judge's ``infra_error``).

``ray`` is an optional dependency (``pip install ray``); docs/scaling.md has the set-up.
"""

from __future__ import annotations

import itertools
import math
import queue
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from coderl.errors import ConfigError
from coderl.execution.limits import JudgeConfig
from coderl.execution.pool import Pool, Task
from coderl.execution.types import Judgement
from coderl.execution.worker import Job, WorkerFault

CHUNKS_IN_FLIGHT = 2  # per actor: the next chunk waits in the actor's queue, no idle gap
CHUNK_ROUNDS = 4  # a chunk holds up to this many jobs per worker of the actor


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "judge.backend: ray needs the ray package: pip install ray (or coderl[ray])"
        ) from None
    return ray


class _PoolActor:
    """Runs on a node: a started local `Pool`, judging one chunk at a time."""

    def __init__(self, config: JudgeConfig) -> None:
        self._pool = Pool(config)
        self._pool.start()

    def features(self) -> dict[str, bool]:
        return self._pool.features

    def judge(self, jobs: list[Job]) -> Iterator[tuple[int, Judgement | WorkerFault]]:
        """``(index in jobs, result)`` as the pool finishes them (a Ray streaming generator)."""
        for item in self._pool.run(enumerate(jobs)):
            assert item is not None
            yield item

    def close(self) -> None:
        self._pool.close()


@dataclass
class _Chunk:
    """Jobs sent to one actor; ``waiting`` holds those it has not answered yet."""

    actor: int  # its place in the pool
    handle: Any  # the actor itself (a replacement in the same place is another one)
    tasks: list[Task]
    waiting: set[int] = field(default_factory=set)


class RayPool:
    """`Pool`'s interface (start, close, features, run) over actors on a Ray cluster."""

    def __init__(self, config: JudgeConfig) -> None:
        self.config = config
        self._actors: list[Any] = []
        self._nodes: list[str] = []
        self._features: dict[str, bool] = {}
        self._started_ray = False
        self._chunk_ids = itertools.count()
        self._remote: Any = None  # the actor class, made remote once Ray is imported

    def start(self) -> None:
        ray = _ray()
        if not ray.is_initialized():
            ray.init(address=self.config.ray_address, log_to_driver=False)
            self._started_ray = True
        try:
            self._nodes = [node["NodeID"] for node in ray.nodes() if node["Alive"]]
            count = self.config.ray_actors or len(self._nodes)
            for index in range(count):
                self._actors.append(self._new_actor(index))
            features = ray.get([actor.features.remote() for actor in self._actors])
            self._features = features[0]
        except BaseException:
            self.close()  # actors already started, and Ray if we started it, must not outlive us
            raise

    def close(self) -> None:
        ray = _ray()
        closing = [actor.close.remote() for actor in self._actors]
        ray.wait(closing, num_returns=len(closing), timeout=30)  # a dead one just never ends
        for actor in self._actors:
            ray.kill(actor)
        self._actors = []
        if self._started_ray:
            ray.shutdown()
            self._started_ray = False

    @property
    def features(self) -> dict[str, bool]:
        """The isolation layers of the first actor's workers (docs/judge.md)."""
        return self._features

    @property
    def actors(self) -> list[Any]:
        """The live actor handles (tests kill one to check that nothing is lost)."""
        return list(self._actors)

    def run(
        self, jobs: Iterable[tuple[Any, Job]], wake_s: float | None = None
    ) -> Iterator[tuple[Any, Judgement | WorkerFault] | None]:
        """Yield ``(key, result)`` as jobs finish on any actor; with ``wake_s``, also None
        every so often while waiting (as `Pool.run`)."""
        if not self._actors:
            raise RuntimeError("the Ray judge is not started: use `with Judge(...)` or start()")
        pending = deque(Task(key, job) for key, job in jobs)
        size = self._chunk_size(len(pending))
        events: queue.Queue[tuple[Any, ...]] = queue.Queue()
        chunks: dict[int, _Chunk] = {}
        while pending or chunks:
            self._dispatch(pending, chunks, events, size)
            try:
                event = events.get(timeout=wake_s)
            except queue.Empty:
                yield None
                continue
            kind, chunk_id, payload = event
            chunk = chunks[chunk_id]
            if kind == "result":
                index, result = payload
                chunk.waiting.discard(index)
                yield chunk.tasks[index].key, result
            elif kind == "done":
                del chunks[chunk_id]
            elif kind == "failed":  # the actor raised: a fault of the judge's code
                raise payload
            else:  # "died": the actor is gone; its unanswered jobs go to another one
                del chunks[chunk_id]
                self._replace(chunk)
                for index in sorted(chunk.waiting, reverse=True):
                    task = chunk.tasks[index]
                    task.attempts += 1
                    if task.attempts <= self.config.retries:
                        pending.appendleft(task)
                    else:
                        yield task.key, WorkerFault(f"judge actor died: {payload}")

    def _chunk_size(self, jobs: int) -> int:
        """Small enough to spread a small batch over every actor, large enough to keep an
        actor's workers busy between chunks."""
        spread = math.ceil(jobs / max(len(self._actors), 1))
        return max(1, min(CHUNK_ROUNDS * self.config.workers, spread))

    def _dispatch(
        self,
        pending: deque[Task],
        chunks: dict[int, _Chunk],
        events: queue.Queue[tuple[Any, ...]],
        size: int,
    ) -> None:
        load = [0] * len(self._actors)
        for chunk in chunks.values():
            load[chunk.actor] += 1
        while pending:
            actor = min(range(len(load)), key=load.__getitem__)
            if load[actor] >= CHUNKS_IN_FLIGHT:
                return
            tasks = [pending.popleft() for _ in range(min(size, len(pending)))]
            chunk_id = next(self._chunk_ids)
            handle = self._actors[actor]
            chunks[chunk_id] = _Chunk(actor, handle, tasks, set(range(len(tasks))))
            load[actor] += 1
            stream = handle.judge.remote([task.job for task in tasks])
            thread = threading.Thread(target=_drain, args=(stream, chunk_id, events), daemon=True)
            thread.start()

    def _new_actor(self, index: int) -> Any:
        ray = _ray()
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        node = self._nodes[index % len(self._nodes)]
        # soft: a replacement may start on another node when this one is gone
        strategy = NodeAffinitySchedulingStrategy(node, soft=True)
        if self._remote is None:
            self._remote = ray.remote(num_cpus=0, max_restarts=0)(_PoolActor)
        config = replace(self.config, backend="local", ray_address=None, ray_actors=None)
        return self._remote.options(scheduling_strategy=strategy).remote(config)

    def _replace(self, chunk: _Chunk) -> None:
        """A fresh actor in the dead one's place (once, whichever of its chunks tells)."""
        if self._actors[chunk.actor] is chunk.handle:
            _ray().kill(chunk.handle)
            self._actors[chunk.actor] = self._new_actor(chunk.actor)


def _drain(stream: Any, chunk_id: int, events: queue.Queue[tuple[Any, ...]]) -> None:
    """Feed one chunk's streamed results into ``events``; end with "done" or "died"."""
    ray = _ray()
    try:
        for ref in stream:
            events.put(("result", chunk_id, ray.get(ref)))
    except ray.exceptions.RayActorError as err:
        events.put(("died", chunk_id, f"{type(err).__name__}: {str(err).splitlines()[0]}"))
        return
    except Exception as err:  # re-raised by `run` in the caller's thread, not swallowed
        events.put(("failed", chunk_id, err))
        return
    events.put(("done", chunk_id, None))
