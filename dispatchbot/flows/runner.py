"""Durable flow runs: steps that survive crashes, run once, and tell someone when they cannot finish.

A flow is an ordered list of idempotent steps. Each step looks at what the run already recorded before
acting, and records its result before the next starts, so a run killed at any point resumes where it
stopped (at start-up or from the periodic sweep) instead of being forgotten or redone. The lease on the
row decides which process works on a run; a heartbeat keeps it while steps are slow. A dead holder's
runs do not wait for its lease: a sole replica takes every lease over at start-up, and replicas show
they are alive with a signal that dies with the process (`dispatchbot.storage.liveness`).

A flow declares the models of its arguments and recorded state (`run_models`): steps read and record
fields, checked by mypy and on recording, and a run stored by an older release is read through its
models' upgrades, so it resumes after a deploy.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from dispatchbot.domain import FlowRun, RunStatus
from dispatchbot.errors import UserFacingError
from dispatchbot.flows.run_models import RunArgs, RunState
from dispatchbot.logs import get_logger
from dispatchbot.metrics import Metrics
from dispatchbot.mrkdwn import Mrkdwn, md
from dispatchbot.services.flow_runs import FlowRunService, LeaseLost

DepsT = TypeVar("DepsT")
log = get_logger(__name__)

MAX_BACKOFF_SECONDS = 30.0


ArgsT = TypeVar("ArgsT", bound=RunArgs)
StateT = TypeVar("StateT", bound=RunState)
ArgsT_co = TypeVar("ArgsT_co", bound=RunArgs, covariant=True)
StateT_co = TypeVar("StateT_co", bound=RunState, covariant=True)
ArgsT_contra = TypeVar("ArgsT_contra", bound=RunArgs, contravariant=True)
StateT_contra = TypeVar("StateT_contra", bound=RunState, contravariant=True)


class RunContext(Generic[DepsT, ArgsT_co, StateT_co]):
    """What a step sees: the run's arguments, what earlier steps recorded, and the dependencies.

    Covariant in the arguments and state, so a step shared by several flows (the incident steps of
    create and update, the posting helper) names only the part of their models it reads.
    """

    def __init__(
        self, run: FlowRun, args: ArgsT_co, state: StateT_co, deps: DepsT, service: FlowRunService
    ) -> None:
        self.run_id = run.id
        self.key = run.key
        self.deps = deps
        self._args = args
        self._state = state
        self._service = service
        self._recording = asyncio.Lock()

    @property
    def args(self) -> ArgsT_co:
        return self._args

    @property
    def state(self) -> StateT_co:
        return self._state

    async def record(self, **values: Any) -> None:
        """Commit step results now, so a crash right after an external call does not repeat it. Checked
        against the state model first (an unknown name or a wrong type raises); the lock keeps the row
        and `state` in step when concurrent sub-actions of one step record at once."""
        async with self._recording:
            state = self._state.recorded(values)
            await self._service.record(self.run_id, state.to_stored())
            self._state = state


StepFunction = Callable[[RunContext[DepsT, ArgsT, StateT]], Awaitable[None]]


@dataclass(frozen=True)
class Step(Generic[DepsT, ArgsT_contra, StateT_contra]):
    """A named step. Contravariant in the models: a step that reads only part of them (one shared by
    several flows) fits a flow whose models extend that part."""

    name: str
    run: StepFunction[DepsT, ArgsT_contra, StateT_contra]


@dataclass(frozen=True)
class Flow(Generic[DepsT, ArgsT, StateT]):
    """A kind of run: its steps, and the models its arguments and recorded state are read into."""

    kind: str
    args_type: type[ArgsT]
    state_type: type[StateT]
    steps: tuple[Step[DepsT, ArgsT, StateT], ...]
    title: str  # what the run does, for the failure message: "Creating your incident"

    @classmethod
    def of(
        cls,
        kind: str,
        title: str,
        args_type: type[ArgsT],
        state_type: type[StateT],
        *,
        steps: tuple[Step[DepsT, ArgsT, StateT], ...],
    ) -> Flow[DepsT, ArgsT, StateT]:
        """Declare a flow naming its models once: its type parameters are read from them and from the
        steps, where `Flow[Deps, Args, State](args_type=Args, ...)` would say them twice. A step's
        name is what runs record as done (`completed_steps`), so a name never changes."""
        return cls(kind, args_type, state_type, steps, title)


class FailureNotifier(Protocol):
    async def __call__(self, run: FlowRun, title: str, message: Mrkdwn) -> None:
        """Tell the people involved that `run` failed for good (the message says why or gives an error id)."""


class FlowRunner(Generic[DepsT]):
    def __init__(
        self,
        service: FlowRunService,
        metrics: Metrics,
        *,
        max_attempts: int,
        backoff_seconds: float,
        lease_seconds: float,
        before_each_run: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._service = service
        self._deps: DepsT | None = None
        self._metrics = metrics
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._heartbeat_every = lease_seconds / 3
        self._flows: dict[str, Flow[DepsT, Any, Any]] = {}
        self._active: dict[int, asyncio.Task[None]] = {}
        self._notify_failure: FailureNotifier | None = None
        self._accepting = True
        self._before_each_run = before_each_run

    def bind(self, deps: DepsT) -> None:
        """Give steps their dependencies (which include this runner, hence not in the constructor)."""
        self._deps = deps

    def register(self, flow: Flow[DepsT, Any, Any]) -> None:
        self._flows[flow.kind] = flow

    def title_of(self, kind: str) -> str:
        flow = self._flows.get(kind)
        return flow.title if flow is not None else kind

    def requester(self, run: FlowRun) -> str | None:
        """Who asked for `run` (whom its failure is told, who may retry it); None for a kind this process
        does not know, or a run nobody asked for."""
        flow = self._flows.get(run.kind)
        return flow.args_type.from_stored(run.args).requested_by if flow is not None else None

    def on_failure(self, notifier: FailureNotifier) -> None:
        self._notify_failure = notifier

    async def start(self, flow: Flow[DepsT, ArgsT, StateT], key: str, args: ArgsT) -> FlowRun:
        """Record the run (idempotent by `key`) and begin executing it in the background.

        A repeated key returns the existing run and starts nothing new: this is what makes a double
        click or a redelivered submission harmless.
        """
        if flow.kind not in self._flows:
            self.register(flow)
        run, created = await self._service.open(flow.kind, key, args.to_stored())
        if created:
            self._spawn(run.id)
        return run

    async def get(self, run_id: int) -> FlowRun | None:
        return await self._service.get(run_id)

    async def get_by_key(self, kind: str, key: str) -> FlowRun | None:
        return await self._service.by_key(kind, key)

    async def retry(self, run_id: int) -> FlowRun | None:
        """Start a failed run again from its first unfinished step; None when it is not failed."""
        run = await self._service.reopen_failed(run_id)
        if run is not None:
            self._spawn(run.id)
        return run

    async def announce(self) -> None:
        """Show other replicas this process is alive, before it claims any run, so none takes them."""
        await self._service.liveness.start()

    async def resume_after_restart(self) -> int:
        """Start-up: take over the leases a dead process left (a sole replica: all of them) and resume
        its runs now, not when the leases lapse."""
        taken = await self._service.take_over_leases()
        if taken:
            log.info("flow_runs.taken_over", count=taken)
        return await self.resume_pending()

    async def resume_pending(self) -> int:
        """Pick up runs nobody holds (a crash, a stopped replica); called at start-up and by the sweep."""
        if not self._accepting:
            return 0
        started = 0
        for run_id in await self._service.resumable():
            if run_id not in self._active:
                self._spawn(run_id)
                started += 1
        return started

    async def drain(self, within: float) -> None:
        """Let in-flight runs finish for up to `within` seconds; cancel the rest, handing leases back;
        then stop showing this process alive (its leases are all back by then)."""
        self._accepting = False
        tasks = list(self._active.values())
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=within)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        await self._service.liveness.stop()

    @property
    def active_count(self) -> int:
        return len(self._active)

    def _spawn(self, run_id: int) -> None:
        if not self._accepting or run_id in self._active:
            return
        task = asyncio.create_task(self._execute(run_id), name=f"flow-run-{run_id}")
        self._active[run_id] = task
        task.add_done_callback(lambda _task: self._active.pop(run_id, None))

    async def _execute(self, run_id: int) -> None:
        if self._before_each_run is not None:
            await self._before_each_run()
        run = await self._service.claim(run_id)
        if run is None:
            return  # another process holds it, or it already ended
        flow = self._flows.get(run.kind)
        if flow is None:
            log.error("flow_run.unknown_kind", run_id=run_id, kind=run.kind)
            await self._service.release(run_id)
            return
        bound = log.bind(run_id=run_id, flow=run.kind)
        heartbeat = asyncio.create_task(self._heartbeat(run_id), name=f"flow-run-{run_id}-heartbeat")
        try:
            await self._run_steps(flow, run, bound)
        except LeaseLost:
            bound.warning("flow_run.lease_lost")
        except asyncio.CancelledError:
            await asyncio.shield(self._service.release(run_id))
            raise
        finally:
            heartbeat.cancel()
            await asyncio.wait({heartbeat})  # ended before the run is: nothing renews a finished run

    async def _run_steps(self, flow: Flow[DepsT, ArgsT, StateT], run: FlowRun, bound: Any) -> None:
        if self._deps is None:
            raise RuntimeError("FlowRunner.bind(deps) must be called before runs execute")
        try:
            args, state = flow.args_type.from_stored(run.args), flow.state_type.from_stored(run.state)
        except ValueError as exc:  # a row no upgrade can read: retrying would not change it
            error_id, _attempts = await self._note_bug(run.id, exc, bound, "flow_run.unreadable")
            await self._fail(flow, run.id, _went_wrong(error_id), bound, error_id)
            return
        context = RunContext(run, args, state, self._deps, self._service)
        done = set(run.completed_steps)
        for step in flow.steps:
            if step.name in done:
                continue
            while True:
                try:
                    await step.run(context)
                    await self._service.record(run.id, None, step=step.name)
                    break
                except (LeaseLost, asyncio.CancelledError):
                    raise
                except UserFacingError as exc:
                    error_id = _error_id()
                    await self._service.note_failure(run.id, exc.message, error_id)
                    await self._fail(flow, run.id, exc.message, bound, error_id)
                    return
                except Exception as exc:
                    error_id, attempts = await self._note_bug(
                        run.id, exc, bound, "flow_run.step_failed", step.name
                    )
                    if attempts >= self._max_attempts:
                        await self._fail(flow, run.id, _went_wrong(error_id), bound, error_id)
                        return
                    await asyncio.sleep(min(self._backoff * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS))
        await self._service.finish(run.id, RunStatus.SUCCEEDED)
        self._metrics.flow_runs.labels(flow.kind, RunStatus.SUCCEEDED.value).inc()
        bound.info("flow_run.succeeded")

    async def _note_bug(
        self, run_id: int, exc: Exception, bound: Any, event: str, step: str | None = None
    ) -> tuple[str, int]:
        """Log the traceback under a new error id and count the failed attempt: (error id, attempts)."""
        error_id = _error_id()
        bound.exception(event, step=step, error_id=error_id)
        attempts = await self._service.note_failure(run_id, f"{type(exc).__name__}: {exc}", error_id)
        return error_id, attempts

    async def _fail(
        self, flow: Flow[DepsT, Any, Any], run_id: int, message: Mrkdwn, bound: Any, error_id: str
    ) -> None:
        failed = await self._service.finish(run_id, RunStatus.FAILED)
        self._metrics.flow_runs.labels(flow.kind, RunStatus.FAILED.value).inc()
        bound.error("flow_run.failed", error_id=error_id)
        # A refusal's words may quote what people typed; the traceback of a bug was logged already.
        bound.debug("flow_run.failed_because", error_id=error_id, error=failed.last_error)
        if self._notify_failure is not None:
            try:
                await self._notify_failure(failed, flow.title, message)
            except Exception:
                bound.exception("flow_run.failure_notice_failed", error_id=error_id)

    async def _heartbeat(self, run_id: int) -> None:
        """Renew the lease every third of it; a failed renewal (the database restarting) is retried at
        the next beat rather than ending the heartbeat, which would let the lease lapse under a live run."""
        while True:
            await asyncio.sleep(self._heartbeat_every)
            try:
                if not await self._service.renew(run_id):
                    return
            except Exception as exc:
                log.warning("flow_run.renew_failed", run_id=run_id, error=type(exc).__name__)


def _error_id() -> str:
    return secrets.token_hex(4)


def _went_wrong(error_id: str) -> Mrkdwn:
    """What people are told of a bug: only the id that finds its logged traceback."""
    return md("Something went wrong (error id {error_id}).", error_id=error_id)
