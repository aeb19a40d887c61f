"""The warm pool: one worker process per CPU, each with its zygote, fed jobs over pipes.

A worker that dies, stops answering or reports a fault of its own is killed (with every
process of its sandbox uid), replaced, and its job retried: the judge's faults are never the
program's.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from coderl.execution import cgroups, isolation, slots
from coderl.execution.limits import JudgeConfig
from coderl.execution.protocol import ProtocolViolation, Reader, frame, write_all
from coderl.execution.types import Judgement
from coderl.execution.worker import Job, WorkerFault

_START_TIMEOUT_S = 60.0
_MAX_RESULT_BYTES = 1 << 28


@dataclass
class Task:
    """A job on its way through a pool (local or Ray), with the attempts it has had: a job
    whose worker died is retried a bounded number of times."""

    key: Any
    job: Job
    attempts: int = 0


@dataclass
class _Worker:
    """The judge's handle on one worker process."""

    index: int  # its place in the pool
    slot: int  # its sandbox slot (uid, cgroups), unique in this process
    uid: int | None
    process: subprocess.Popen
    reader: Reader
    features: dict[str, bool] = field(default_factory=dict)
    task: Task | None = None
    deadline: float = 0.0

    @classmethod
    def start(cls, index: int, config: JudgeConfig) -> _Worker:
        slot = slots.acquire()
        uid = isolation.sandbox_uid(os.getpid(), slot) if isolation.PRIVILEGED else None
        process = subprocess.Popen(
            [sys.executable, "-c", "from coderl.execution.worker import main; main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        assert process.stdout is not None
        reader = Reader(process.stdout.fileno(), _MAX_RESULT_BYTES, decode=pickle.loads)
        worker = cls(index, slot, uid, process, reader)
        worker.send((config, uid))
        return worker

    def send(self, message: object) -> None:
        assert self.process.stdin is not None
        write_all(self.process.stdin.fileno(), frame(pickle.dumps(message)))

    def kill(self) -> None:
        """Kill the worker, its zygote, and every process of its sandbox uid."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        if self.uid is not None:
            isolation.kill_uids(range(self.uid, self.uid + 1))
            cgroups.remove(cgroups.Cgroup(f"{cgroups.PREFIX}{self.uid}"))
        slots.release(self.slot)


class Pool:
    """Runs `Job`s on warm workers; results come back as they finish."""

    def __init__(self, config: JudgeConfig) -> None:
        self.config = config
        self._workers: list[_Worker] = []

    def start(self) -> None:
        workers = [_Worker.start(index, self.config) for index in range(self.config.workers)]
        for worker in workers:
            self._await_ready(worker)
        self._workers = workers

    def close(self) -> None:
        for worker in self._workers:
            assert worker.process.stdin is not None
            with contextlib.suppress(OSError):
                worker.process.stdin.close()
        for worker in self._workers:
            try:
                worker.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()  # closes its pipes, removes its cgroups, frees its slot
                continue
            if worker.process.stdout is not None:
                worker.process.stdout.close()
            if worker.uid is not None:  # normally removed by the worker itself
                cgroups.remove(cgroups.Cgroup(f"{cgroups.PREFIX}{worker.uid}"))
            slots.release(worker.slot)
        self._workers = []

    @property
    def features(self) -> dict[str, bool]:
        """Which isolation layers the workers got (network, mounts): docs/judge.md."""
        return self._workers[0].features if self._workers else {}

    def run(
        self, jobs: Iterable[tuple[Any, Job]], wake_s: float | None = None
    ) -> Iterator[tuple[Any, Judgement | WorkerFault] | None]:
        """Yield ``(key, result)`` as jobs finish; with ``wake_s``, also None every so often
        while waiting, so that the caller can attend to other work."""
        if not self._workers:
            raise RuntimeError("the pool is not started: use `with Judge(...)` or start()")
        queue = deque(Task(key, job) for key, job in jobs)
        busy: dict[int, _Worker] = {}
        idle = list(self._workers)
        while queue or busy:
            while queue and idle:
                worker = idle.pop()
                task = queue.popleft()
                self._assign(worker, task)
                busy[worker.reader.fd] = worker
            now = time.monotonic()
            timeout = min(w.deadline for w in busy.values()) - now
            if wake_s is not None:
                timeout = min(timeout, wake_s)
            ready = select.select(list(busy), [], [], max(timeout, 0.0))[0]
            if not ready and wake_s is not None:
                yield None
            for fd in ready:
                worker = busy[fd]
                try:
                    alive = worker.reader.pump()
                    message = worker.reader.take()
                except ProtocolViolation as err:
                    alive, message = False, (WorkerFault(f"bad message from worker: {err}"),)
                if message is None and alive:
                    continue
                del busy[fd]
                result = message[0] if message else WorkerFault("worker exited")
                item = self._settle(worker, result, queue)
                idle.append(self._workers[worker.index])
                if item is not None:
                    yield item
            for fd, worker in list(busy.items()):
                if time.monotonic() > worker.deadline:
                    del busy[fd]
                    item = self._settle(worker, WorkerFault("worker did not answer"), queue)
                    idle.append(self._workers[worker.index])
                    if item is not None:
                        yield item

    def _assign(self, worker: _Worker, task: Task) -> None:
        limits = self.config.limits
        worker.task = task
        compile_s = 60 if task.job.language != "python" else 0
        tests = len(task.job.tests) * (limits.wall_s + 3)
        worker.deadline = time.monotonic() + 10 + compile_s + tests
        with contextlib.suppress(OSError):  # died while idle: the select loop sees its EOF
            worker.send(task.job)

    def _settle(
        self, worker: _Worker, result: object, queue: deque[Task]
    ) -> tuple[Any, Judgement | WorkerFault] | None:
        """The item to yield for the worker's task; a fault replaces the worker and retries."""
        task = worker.task
        assert task is not None
        worker.task = None
        if isinstance(result, Judgement):
            return task.key, result
        if not isinstance(result, WorkerFault):
            result = WorkerFault(f"unexpected message from worker: {type(result).__name__}")
        worker.kill()
        replacement = _Worker.start(worker.index, self.config)
        self._await_ready(replacement)
        self._workers[worker.index] = replacement
        task.attempts += 1
        if task.attempts <= self.config.retries:
            queue.appendleft(task)
            return None
        return task.key, result

    def _await_ready(self, worker: _Worker) -> None:
        try:
            tag, features = worker.reader.read(_START_TIMEOUT_S)
        except (TimeoutError, EOFError) as err:
            worker.kill()
            raise RuntimeError(f"judge worker {worker.index} failed to start: {err}") from None
        assert tag == "ready"
        worker.features = features
