"""The install queue: one apk process at a time, jobs with progress, cancellation and history.

Every job ends in a terminal state (done, failed, cancelled, timed-out), also across a server
restart: the history is kept on disk as JSON lines, and a job that was queued or running when
the server stopped is reported as failed ("interrupted") when it starts again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .apkcli import ApkOptions, Plan, build_argv, check_package, parse_plan, parse_progress
from .policy import PolicyError
from .verdict import Verdict, judge

TERMINAL = frozenset({"done", "failed", "cancelled", "timed-out"})
ACTIONS = ("install", "upgrade", "remove", "repair")  # one apk run each; "undo" runs two
REMOVING = frozenset({"remove", "undo"})  # the actions `allow_remove` governs
HISTORY_LIMIT = 200  # jobs kept on disk and in memory
LOG_LIMIT = 256 * 1024  # characters of apk output kept per job
KILL_GRACE = 5.0  # seconds between SIGTERM and SIGKILL
NOTIFY_DELAY = 0.1  # seconds log and progress changes are gathered before long-polls answer


class QueueFull(Exception):
    """Too many jobs are waiting already."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass
class Job:
    """One request to apk, from queued to a terminal state."""

    id: str
    action: str
    packages: list[str]
    preview: bool
    user: str
    state: str = "queued"
    plan: dict | None = None
    progress: float = 0.0
    log: str = ""
    exit_code: int | None = None
    error: str | None = None
    problems: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # done, but not quite as asked
    installed: list[str] = field(default_factory=list)  # name-version actually (un)installed
    undo: dict | None = None  # undo only: {"remove": [names], "restore": [world specs]}
    apk_seconds: float = 0.0  # wall time of the apk processes, to tell apk's time from ours
    created: datetime = field(default_factory=_now)
    started: datetime | None = None
    finished: datetime | None = None
    revision: int = 0  # bumped on every change, for long-polling clients

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL

    def to_json(self, log_offset: int = 0) -> dict:
        return {
            "id": self.id,
            "action": self.action,
            "packages": self.packages,
            "preview": self.preview,
            "state": self.state,
            "plan": self.plan,
            "progress": self.progress,
            "log": self.log[log_offset:],
            "log_length": len(self.log),
            "exit_code": self.exit_code,
            "error": self.error,
            "problems": self.problems,
            "warnings": self.warnings,
            "installed": self.installed,
            "undo": self.undo,
            "apk_seconds": round(self.apk_seconds, 4),
            "user": self.user,
            "created": _iso(self.created),
            "started": _iso(self.started),
            "finished": _iso(self.finished),
            "revision": self.revision,
        }

    @classmethod
    def from_json(cls, data: dict) -> Job:
        job = cls(
            id=data["id"],
            action=data["action"],
            packages=list(data["packages"]),
            preview=bool(data.get("preview")),
            user=data.get("user", ""),
        )
        for name in ("state", "plan", "progress", "log", "exit_code", "error", "problems",
                     "warnings", "installed", "undo", "apk_seconds", "revision"):  # fmt: skip
            if name in data:
                setattr(job, name, data[name])
        for name in ("created", "started", "finished"):
            if data.get(name):
                setattr(job, name, datetime.fromisoformat(data[name]))
        return job


@dataclass(frozen=True)
class Run:
    """One apk run of a job: most jobs are one, an undo is a removal then a restore."""

    action: str
    packages: list[str]
    # Undo: a package that installed ones still need only leaves the world, as it was then.
    required_may_stay: bool = False


def runs(job: Job) -> list[Run]:
    """The apk runs of *job*, in order (an undo with nothing to remove or restore skips that)."""
    if job.undo is None:
        return [Run(job.action, job.packages)]
    return [run for run in (Run("remove", job.undo["remove"], required_may_stay=True),
                            Run("install", job.undo["restore"])) if run.packages]  # fmt: skip


@dataclass(frozen=True)
class ProgressPipe:
    """apk's --progress-fd pipe, and the share of the job's progress bar its run fills."""

    read_fd: int
    write_fd: int
    start: float
    width: float


@dataclass(frozen=True)
class RunResult:
    returncode: int | None  # None: stopped (cancelled or timed out)
    stdout: str
    stderr: str  # kept apart: the two pipes have no order between them


class Installer:
    """Queues jobs and runs them through apk one at a time."""

    def __init__(
        self,
        options: Callable[[], ApkOptions],
        *,
        history_path: str | os.PathLike,
        timeout: float,
        max_queued: int,
        installed_versions: Callable[[], dict[str, str]],
        packages_in_error: Callable[[], dict[str, str]] = dict,
        package_sizes: Callable[[str], tuple[int, int] | None] = lambda name: None,
        on_finished: Callable[[Job], None] = lambda job: None,
        before_first_job: Callable[[], Awaitable[None]] | None = None,
        allow_remove: bool = True,
        log: logging.Logger | None = None,
    ):
        self._options = options
        self.history_path = Path(history_path)
        self.timeout = timeout
        self.max_queued = max_queued
        self._installed_versions = installed_versions
        self._packages_in_error = packages_in_error
        self._package_sizes = package_sizes
        self._on_finished = on_finished
        # Awaited once, before the first job runs (the environment's baseline).
        self._before_first_job = before_first_job
        self.allow_remove = allow_remove
        self.log = log or logging.getLogger(__name__)
        self._jobs: dict[str, Job] = {}
        self._queue: asyncio.Queue[Job] = asyncio.Queue()
        self._waiters: set[asyncio.Future] = set()  # long-polls waiting for a change
        self._wake_handle: asyncio.TimerHandle | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._stopping: dict[str, str] = {}  # job id -> "cancelled" | "timed-out"
        self._worker: asyncio.Task | None = None
        self._history_lines = 0
        self._load_history()

    # -- public API ------------------------------------------------------------------------

    def jobs(self) -> list[Job]:
        """All known jobs, newest first."""
        return sorted(self._jobs.values(), key=lambda job: job.created, reverse=True)

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def check_allowed(self, action: str) -> None:
        """Raise PolicyError if the administrator's policy forbids *action*."""
        if action in REMOVING and not self.allow_remove:
            raise PolicyError("the administrator does not allow removing packages")

    def submit(self, action: str, packages: list[str], *, preview: bool, user: str) -> Job:
        """Validate and queue a job (raises RequestError, PolicyError or QueueFull before anything
        runs)."""
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
        self.check_allowed(action)
        # repair without names: every package in error
        if not isinstance(packages, list) or not packages and action != "repair":
            raise ValueError(f"packages must be a {'' if action == 'repair' else 'non-empty '}list")
        packages = [check_package(p) for p in packages]
        return self._enqueue(Job(secrets.token_hex(8), action, packages, preview, user))

    def submit_undo(
        self, remove: list[str], restore: list[str], *, preview: bool, user: str
    ) -> Job:
        """Queue one job that removes *remove* (names), then adds *restore* (world specs) back.

        Its `packages` are both lists, so that the queue's views of a package see it."""
        self.check_allowed("undo")
        if not remove and not restore:
            raise ValueError("there is nothing to undo")
        undo = {"remove": [check_package(p) for p in remove],
                "restore": [check_package(p) for p in restore]}  # fmt: skip
        packages = [*undo["remove"], *undo["restore"]]
        job = Job(secrets.token_hex(8), "undo", packages, preview, user, undo=undo)
        return self._enqueue(job)

    def _enqueue(self, job: Job) -> Job:
        options = self._options()
        for run in runs(job):
            build_argv(options, run.action, run.packages)  # repositories and all, before queueing
        waiting = sum(1 for job in self._jobs.values() if job.state == "queued")
        if waiting >= self.max_queued:
            raise QueueFull(f"{waiting} jobs are already waiting; try again later")
        self._jobs[job.id] = job
        self._queue.put_nowait(job)
        self._persist(job)
        self._ensure_worker()
        return job

    async def cancel(self, job_id: str) -> Job | None:
        """Cancel a queued job at once, or stop a running apk (SIGTERM, then SIGKILL)."""
        job = self._jobs.get(job_id)
        if job is None or job.terminal:
            return job
        if job.state == "queued":
            await self._finish(job, "cancelled", error="cancelled before it started")
        else:
            self._stop_running(job, "cancelled")
        return job

    async def wait_for_change(self, job: Job, revision: int, timeout: float) -> None:
        """Return when *job* has a revision newer than *revision*, or after *timeout*."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while job.revision <= revision and loop.time() < deadline:
            waiter = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait_for(waiter, deadline - loop.time())
            except asyncio.TimeoutError:
                return
            finally:
                self._waiters.discard(waiter)

    async def close(self) -> None:
        """Stop the worker and a running apk (server shutdown)."""
        for job in self._jobs.values():
            if job.state == "running":
                self._stop_running(job, "cancelled")
        if self._worker:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    # -- running ---------------------------------------------------------------------------

    def _ensure_worker(self) -> None:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work())

    async def _work(self) -> None:
        # Ends when the queue is empty (submit starts it again): no task is left pending
        # while the server idles or shuts down.
        if self._before_first_job is not None:
            before, self._before_first_job = self._before_first_job, None
            await before()
        while not self._queue.empty():
            job = self._queue.get_nowait()
            if job.state != "queued":  # cancelled while waiting
                continue
            try:
                await self._run(job)
            except Exception as e:  # never leave a job running because of a bug here
                self.log.exception("jupyterlab-apk: job %s crashed", job.id)
                await self._finish(job, "failed", error=f"internal error: {e}")

    async def _run(self, job: Job) -> None:
        job.state, job.started = "running", _now()
        self._changed_job(job)
        options = self._options()
        in_error = self._packages_in_error()
        apk_runs = runs(job)
        # The plan (and any error that stops it) before touching the system; each run is
        # simulated on the system as it is now.
        plan = Plan()
        warnings: list[str] = []
        for run in apk_runs:
            argv = build_argv(options, run.action, run.packages, simulate=True)
            simulated = await self._apk(job, argv)
            if await self._stopped(job):
                return
            part = parse_plan(simulated.stdout)
            plan = Plan(plan.steps + part.steps, plan.kept + part.kept)
            job.plan = self._plan_json(plan)
            verdict = self._judge(run, simulated, in_error, in_error, simulated=True)
            if not verdict.ok:
                await self._fail(job, simulated, verdict, before=None)
                return
            warnings += verdict.warnings
        if job.preview:
            await self._finish(job, "done", exit_code=simulated.returncode,
                               warnings=list(dict.fromkeys(warnings)))  # fmt: skip
            return
        before = self._installed_versions()
        warnings = []
        for index, run in enumerate(apk_runs):
            # The share of the progress bar this run fills.
            span = (index / len(apk_runs), 1 / len(apk_runs))
            errors_before = self._packages_in_error() if index else in_error
            result = await self._apk_with_progress(job, options, run, span)
            if await self._stopped(job, before):
                return
            verdict = self._judge(run, result, errors_before, self._packages_in_error(),
                                  installed_after=set(self._installed_versions()))  # fmt: skip
            if not verdict.ok:
                await self._fail(job, result, verdict, before)
                return
            warnings += verdict.warnings
        job.installed = self._changes(before)
        job.progress = 1.0
        await self._finish(job, "done", exit_code=result.returncode,
                           warnings=list(dict.fromkeys(warnings)))  # fmt: skip

    async def _apk_with_progress(
        self, job: Job, options: ApkOptions, run: Run, span: tuple[float, float]
    ) -> RunResult:
        read_fd, write_fd = os.pipe()
        try:
            argv = build_argv(options, run.action, run.packages, progress_fd=write_fd)
            return await self._apk(job, argv, ProgressPipe(read_fd, write_fd, *span))
        finally:
            os.close(read_fd)  # _apk owns (and closes) the write end

    @staticmethod
    def _judge(run: Run, result: RunResult, before: dict, after: dict, **kwargs) -> Verdict:
        return judge(run.action, run.packages, result.stdout, result.stderr,
                     result.returncode or 0, in_error_before=before, in_error_after=after,
                     required_may_stay=run.required_may_stay, **kwargs)  # fmt: skip

    async def _apk(
        self,
        job: Job,
        argv: list[str],
        progress: ProgressPipe | None = None,
    ) -> RunResult:
        """Run apk (argv, no shell), streaming its output into the job's log."""
        self._append_log(job, f"$ {' '.join(argv)}\n")
        env = {**os.environ, "LC_ALL": "C"}  # the messages parse_* reads are English
        started = asyncio.get_running_loop().time()
        try:
            self._process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                pass_fds=(progress.write_fd,) if progress else (),
                env=env,
            )
        finally:
            if progress:
                # The child has its copy: the reader sees EOF when apk exits.
                os.close(progress.write_fd)
        process = self._process
        stdout: list[str] = []
        stderr: list[str] = []

        async def pump(stream: asyncio.StreamReader, lines: list[str]) -> None:
            async for raw in stream:
                line = raw.decode("utf-8", "replace")
                lines.append(line)
                self._append_log(job, line)  # interleaved, for display only
                self._changed_soon(job)

        assert process.stdout is not None and process.stderr is not None  # both are PIPEs
        readers = [pump(process.stdout, stdout), pump(process.stderr, stderr)]
        if progress:
            readers.append(self._read_progress(job, progress))
        try:
            await asyncio.wait_for(asyncio.gather(*readers, process.wait()), self.timeout)
        except asyncio.TimeoutError:
            self._stop_running(job, "timed-out")
            await process.wait()
        finally:
            self._process = None
            job.apk_seconds += asyncio.get_running_loop().time() - started
        returncode = None if job.id in self._stopping else process.returncode
        return RunResult(returncode, "".join(stdout), "".join(stderr))

    async def _read_progress(self, job: Job, pipe: ProgressPipe) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(os.dup(pipe.read_fd), "rb", 0)
        )
        try:
            async for raw in reader:
                fraction = parse_progress(raw.decode("ascii", "replace"))
                done = None if fraction is None else pipe.start + fraction * pipe.width
                if done is not None and done > job.progress:
                    job.progress = done
                    self._changed_soon(job)
        finally:
            transport.close()

    def _stop_running(self, job: Job, state: str) -> None:
        process = self._process
        self._stopping[job.id] = state
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        asyncio.get_running_loop().call_later(KILL_GRACE, self._kill, process)

    @staticmethod
    def _kill(process: asyncio.subprocess.Process) -> None:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()

    async def _stopped(self, job: Job, before: dict | None = None) -> bool:
        """End *job* if it was cancelled or timed out; *before*: the installed state before."""
        state = self._stopping.pop(job.id, None)
        if state is None:
            return False
        changes = self._changes(before) if before is not None else []
        reason = "cancelled" if state == "cancelled" else f"stopped after {self.timeout:g} s"
        if changes:
            reason += f"; apk had already changed: {', '.join(changes)}"
        await self._finish(job, state, error=reason, installed=changes)
        return True

    async def _fail(
        self, job: Job, result: RunResult, verdict: Verdict, before: dict | None
    ) -> None:
        """End a failed run; *before* is the installed state before it (None: a simulation)."""
        problems = verdict.problems
        changes = self._changes(before) if before is not None else []
        message = verdict.error or ""
        if changes:
            message = f"Partly done: {', '.join(changes)} changed. {message}"
        job.problems = [{"kind": p.kind, "message": p.message} for p in problems]
        await self._finish(
            job, "failed", exit_code=result.returncode, error=message, installed=changes
        )

    def _changes(self, before: dict[str, str]) -> list[str]:
        """Packages whose installed version differs from *before*: `name-version`, or
        `name (removed)`."""
        after = self._installed_versions()
        changed = [f"{name}-{version}" for name, version in after.items()
                   if before.get(name) != version]  # fmt: skip
        changed += [f"{name} (removed)" for name in before if name not in after]
        return sorted(changed)

    def _plan_json(self, plan: Plan) -> dict:
        download = installed = 0
        for step in plan.steps:
            sizes = self._package_sizes(step.name) if step.action != "remove" else None
            if sizes:
                download += sizes[0]
                installed += sizes[1]
        return {**plan.to_json(), "download_size": download, "installed_size": installed}

    async def _finish(self, job: Job, state: str, **fields) -> None:
        for name, value in fields.items():
            setattr(job, name, value)
        job.state, job.finished = state, _now()
        self._persist(job)
        self._changed_job(job)
        try:
            self._on_finished(job)
        except Exception:
            self.log.exception("jupyterlab-apk: after job %s", job.id)

    def _append_log(self, job: Job, text: str) -> None:
        if len(job.log) < LOG_LIMIT:
            job.log += text[: LOG_LIMIT - len(job.log)]

    def _changed_job(self, job: Job) -> None:
        """A state change: wake the long-polls now."""
        job.revision += 1
        self._wake()

    def _changed_soon(self, job: Job) -> None:
        """A log line or progress step: wake the long-polls within NOTIFY_DELAY, so that apk's
        many small writes make one answer per client, not one each."""
        job.revision += 1
        if self._wake_handle is None:
            self._wake_handle = asyncio.get_running_loop().call_later(NOTIFY_DELAY, self._wake)

    def _wake(self) -> None:
        if self._wake_handle is not None:
            self._wake_handle.cancel()
            self._wake_handle = None
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)

    # -- history ---------------------------------------------------------------------------

    def _persist(self, job: Job) -> None:
        """Append the job's state; compact once the file holds a few times the limit.

        Previews change nothing and are asked for before every confirmed install: they stay
        in memory only, and do not count against the history.
        """
        if job.preview:
            if len(self._jobs) > 2 * HISTORY_LIMIT:
                self._compact()
            return
        self._history_lines += 1
        if self._history_lines > 4 * HISTORY_LIMIT:
            self._compact()
            return
        try:
            self.history_path.parent.mkdir(parents=True, exist_ok=True)
            with self.history_path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(job.to_json()) + "\n")
        except OSError as e:
            self.log.warning("jupyterlab-apk: cannot write job history: %s", e)

    def _compact(self) -> None:
        """Keep the newest HISTORY_LIMIT jobs (all unfinished ones too), on disk and in memory."""
        ordered = [job for job in sorted(self._jobs.values(), key=lambda job: job.created)
                   if not (job.preview and job.terminal)]  # fmt: skip
        finished = [job for job in ordered if job.terminal]
        dropped = {job.id for job in finished[: max(0, len(ordered) - HISTORY_LIMIT)]}
        self._jobs = {job.id: job for job in ordered if job.id not in dropped}
        self._history_lines = len(self._jobs)
        tmp = self.history_path.with_suffix(".tmp")
        try:
            self.history_path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(
                "".join(json.dumps(job.to_json()) + "\n"
                        for job in self._jobs.values() if not job.preview),
                "utf-8",
            )  # fmt: skip
            os.replace(tmp, self.history_path)
        except OSError as e:
            self.log.warning("jupyterlab-apk: cannot write job history: %s", e)

    def _load_history(self) -> None:
        """Read the history, mark jobs a dead server left unfinished, and compact the file."""
        try:
            lines = self.history_path.read_text(encoding="utf-8").splitlines()
        except OSError:
            return
        jobs: dict[str, Job] = {}
        for line in lines:
            try:
                job = Job.from_json(json.loads(line))
            except (ValueError, KeyError, TypeError):
                continue  # a torn last line after a crash
            jobs.pop(job.id, None)
            jobs[job.id] = job
        for job in jobs.values():
            if not job.terminal:
                was = "running" if job.state == "running" else "waiting"
                job.state, job.finished = "failed", job.finished or _now()
                job.error = f"interrupted: the server stopped while this job was {was}"
        self._jobs = jobs
        self._compact()
