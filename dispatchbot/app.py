"""The composition root: the one place that constructs things, and the daemon's lifecycle.

Start order matters for 3 a.m. reliability: the schema and the bot token are checked before anything
listens, so a broken deployment fails fast with one clear line; unfinished flow runs are resumed only
once the bot can talk to Slack. Stop order is the reverse: stop taking requests, let in-flight work
finish (bounded), then close the connection and the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp

from dispatchbot.alerting.routing import BUILT_IN_CHANNELS, SignalRouter
from dispatchbot.background import Background, InFlight
from dispatchbot.catalog import Catalog
from dispatchbot.clock import Clock, SystemClock
from dispatchbot.config import Settings, SlackMode, masked_dict
from dispatchbot.deps import Deps
from dispatchbot.errors import ProviderError, StartupError
from dispatchbot.features import FEATURES, Feature
from dispatchbot.flows import run_failures
from dispatchbot.flows.alerts.delivery import AlertDelivery
from dispatchbot.flows.runner import FlowRunner
from dispatchbot.handlers import context as context_handlers
from dispatchbot.handlers import deliveries as delivery_handlers
from dispatchbot.handlers import errors as error_handlers
from dispatchbot.handlers import fallback as fallback_handlers
from dispatchbot.handlers.router import Router
from dispatchbot.logs import get_logger
from dispatchbot.metrics import Metrics
from dispatchbot.providers.alert_channels import load_alert_channels
from dispatchbot.providers.registry import load_providers
from dispatchbot.providers.slack import BotIdentity, SlackGateway, build_web_client
from dispatchbot.scheduler.jobs import all_jobs
from dispatchbot.scheduler.leader import leadership_for
from dispatchbot.scheduler.service import Scheduler
from dispatchbot.services.alert_intake import AlertIntake
from dispatchbot.services.alerts import AlertService
from dispatchbot.services.cases import CaseService
from dispatchbot.services.catalog import seed_catalog
from dispatchbot.services.costs import CostService
from dispatchbot.services.deliveries import DeliveryService
from dispatchbot.services.documents import DocumentService
from dispatchbot.services.feedback import FeedbackService
from dispatchbot.services.flow_runs import FlowRunService
from dispatchbot.services.incidents import IncidentService
from dispatchbot.services.notification_group import NotificationGroupService
from dispatchbot.services.oncall import OncallService
from dispatchbot.services.participants import ParticipantService
from dispatchbot.services.reminders import ReminderService
from dispatchbot.services.reports import ReportService
from dispatchbot.services.scheduler_jobs import JobStateService
from dispatchbot.services.sent_once import SentOnceService
from dispatchbot.services.snoozes import SnoozeService
from dispatchbot.services.tasks import TaskService
from dispatchbot.services.workflow_runs import WorkflowRunService
from dispatchbot.socket_mode import ConnectionWatch, InstrumentedSocketModeHandler
from dispatchbot.storage import migrate
from dispatchbot.storage.engine import Database, open_database
from dispatchbot.storage.liveness import liveness_for, owner_name
from dispatchbot.web import SlackStatus, WebState, build_web_app
from dispatchbot.web_alerts import alerts_endpoint

log = get_logger(__name__)

Extension = Callable[[Router, Deps], None]
"""A third-party addition: registers more listeners on the router, and its flows with `deps.runs`."""


@dataclass
class Assembled:
    """The bot put together but not yet serving (what `scheduler run` needs too)."""

    deps: Deps
    bolt: AsyncApp
    in_flight: InFlight
    scheduler: Scheduler
    intake: AlertIntake
    delivery: AlertDelivery


@dataclass
class Running:
    """What a started bot holds, so it can be stopped in the right order."""

    deps: Deps
    bolt: AsyncApp
    web_runner: web.AppRunner
    web_state: WebState
    scheduler: Scheduler
    in_flight: InFlight
    socket: InstrumentedSocketModeHandler | None
    watch: ConnectionWatch | None
    port: int
    intake: AlertIntake
    delivery: AlertDelivery


class Bot:
    """The daemon. `features` is the registry (`dispatchbot.features`) unless a test or benchmark passes a
    copy with one part replaced; `extensions` add to it (third-party listeners and flows)."""

    def __init__(
        self,
        settings: Settings,
        *,
        extensions: Sequence[Extension] = (),
        features: Sequence[Feature] = FEATURES,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self._extensions = extensions
        self._features = features
        self._clock = clock or SystemClock()
        self.running: Running | None = None
        self._database: Database | None = None
        self._runs: FlowRunner[Deps] | None = None
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> Running:
        """Bring the bot up; raises `StartupError` with an operator-readable reason.

        Whatever start-up opened is undone if it fails or is cancelled part-way (a signal during
        start-up), so a refused port or a Ctrl-C never leaves a Socket Mode session or listener behind.
        """
        assembled = await self.assemble()
        settings, deps, bolt, in_flight = self.settings, assembled.deps, assembled.bolt, assembled.in_flight
        metrics, database = deps.metrics, deps.database
        await deps.runs.announce()  # before anything can claim a run: other replicas must see us alive
        # A crashed process's runs resume now, while the transports connect: auth.test showed the Web
        # API answers, which is all they need, and the reporter is waiting in an empty channel.
        resumed = await deps.runs.resume_after_restart()
        async with contextlib.AsyncExitStack() as undo:
            socket_handler: InstrumentedSocketModeHandler | None = None
            watch: ConnectionWatch | None = None
            if settings.slack.mode is SlackMode.SOCKET:
                app_token = settings.slack.app_token.get_secret_value() if settings.slack.app_token else ""
                socket_handler = InstrumentedSocketModeHandler(
                    bolt,
                    app_token=app_token,
                    ping_interval=settings.slack.ping_interval_seconds,
                    metrics=metrics,
                )
                undo.push_async_callback(socket_handler.close_async)
                watch = ConnectionWatch(socket_handler, self._clock, metrics)
                undo.push_async_callback(watch.stop)

            web_state = WebState()
            assembled.intake.start()
            undo.push_async_callback(assembled.intake.stop)
            web_app = build_web_app(
                database=database,
                metrics=metrics,
                slack_status=lambda: _slack_status(settings, watch, self._clock),
                bolt_app=bolt if settings.slack.mode is SlackMode.HTTP else None,
                state=web_state,
                alerts=alerts_endpoint(settings, assembled.intake, metrics, lambda: web_state.draining),
            )
            web_runner = web.AppRunner(web_app, access_log=None, handle_signals=False)
            await web_runner.setup()
            undo.push_async_callback(web_runner.cleanup)
            site = web.TCPSite(web_runner, settings.http.host, settings.http.port)
            await site.start()
            port = _bound_port(site)

            if socket_handler is not None and watch is not None:
                await _connect_socket(socket_handler)
                await watch.check()
                watch.start()
            undo.push_async_callback(assembled.scheduler.stop)
            await assembled.scheduler.start()
            assembled.delivery.start()
            deps.alerts.work_written()  # notices a crashed process left are delivered now, not at the poll
            undo.pop_all()  # started: from here on `stop` owns all of it
        self.running = Running(
            deps,
            bolt,
            web_runner,
            web_state,
            assembled.scheduler,
            in_flight,
            socket_handler,
            watch,
            port,
            assembled.intake,
            assembled.delivery,
        )
        log.info(
            "bot.started",
            mode=settings.slack.mode.value,
            http_port=port,
            team=deps.identity.team_id,
            leader=assembled.scheduler.is_leader,
            resumed_runs=resumed,
        )
        return self.running

    async def run_job(self, name: str) -> None:
        """`dispatchbot scheduler run JOB`: one tick now, whoever leads (reminder claims stay exclusive)."""
        assembled = await self.assemble()
        try:
            await assembled.deps.runs.announce()
            job = next((job for job in assembled.scheduler.jobs if job.name == name), None)
            if job is None:
                known = ", ".join(job.name for job in assembled.scheduler.jobs)
                raise StartupError(f"no scheduler job {name!r}; the jobs are: {known}")
            await assembled.scheduler.run(job, force=True)
        finally:
            await assembled.deps.background.drain(self.settings.runs.shutdown_timeout_seconds)
            await assembled.deps.runs.drain(self.settings.runs.shutdown_timeout_seconds)
            await assembled.deps.database.dispose()
            await self._close_http()

    async def assemble(self) -> Assembled:
        """Everything but the transports: schema, Slack client (token checked), services, handlers, jobs."""
        settings = self.settings
        database = self._database = open_database(settings.database.url)
        await _prepare_schema(database, settings)
        catalog = Catalog.from_settings(settings)
        providers = load_providers(settings)
        await seed_catalog(database.sessions, catalog)
        metrics = Metrics()
        bot_token = settings.slack.bot_token.get_secret_value() if settings.slack.bot_token else ""
        self._http = aiohttp.ClientSession()
        client = build_web_client(
            token=bot_token, base_url=settings.slack.api_url, metrics=metrics, session=self._http
        )
        slack = SlackGateway(client)
        identity = await _check_bot_token(slack, settings)
        signal_router = SignalRouter(settings)
        alert_plugins = load_alert_channels(settings, BUILT_IN_CHANNELS)
        owner = owner_name(socket.gethostname(), os.getpid(), uuid.uuid4().hex[:8])
        in_flight = InFlight()
        runs: FlowRunner[Deps] = FlowRunner(
            FlowRunService(
                database.sessions,
                self._clock,
                owner,
                settings.runs.lease_seconds,
                liveness_for(
                    database,
                    owner,
                    check_seconds=settings.runs.sweep_interval_seconds,
                    grace_seconds=settings.runs.lease_seconds,
                ),
            ),
            metrics,
            max_attempts=settings.runs.max_attempts,
            backoff_seconds=settings.runs.retry_backoff_seconds,
            lease_seconds=settings.runs.lease_seconds,
            before_each_run=in_flight.acks_first,
        )
        alerts = AlertService(database.sessions, self._clock, signal_router)
        deps = Deps(
            settings=settings,
            clock=self._clock,
            database=database,
            metrics=metrics,
            slack=slack,
            identity=identity,
            runs=runs,
            deliveries=DeliveryService(database.sessions, self._clock),
            background=Background(in_flight),
            catalog=catalog,
            incidents=IncidentService(database.sessions, self._clock),
            participants=ParticipantService(database.sessions, self._clock),
            notification_group=NotificationGroupService(database.sessions),
            reminders=ReminderService(database.sessions, self._clock, owner),
            reports=ReportService(database.sessions, self._clock),
            tasks=TaskService(database.sessions, self._clock),
            costs=CostService(database.sessions, self._clock, settings.cost),
            feedback=FeedbackService(database.sessions, self._clock),
            sent_once=SentOnceService(database.sessions, self._clock),
            oncall=OncallService(database.sessions, self._clock),
            documents=DocumentService(database.sessions, self._clock),
            providers=providers,
            alerts=alerts,
            cases=CaseService(database.sessions, self._clock, on_change=alerts.work_written),
            snoozes=SnoozeService(database.sessions, self._clock, settings, on_change=alerts.work_written),
            workflow_runs=WorkflowRunService(database.sessions, self._clock),
        )
        runs.bind(deps)
        self._runs = runs
        runs.on_failure(lambda run, title, message: run_failures.notify(deps, run, title, message))

        signing_secret = (
            settings.slack.signing_secret.get_secret_value() if settings.slack.signing_secret else None
        )
        # process_before_response: the ack leaves as soon as a handler returns (no 10 ms polling), so
        # handlers hand slow work to deps.background or a flow run; see dispatchbot.background.
        bolt = AsyncApp(
            # Bolt names its listeners' loggers after the app and sets them to the root's level, so the
            # name must not be ours ("dispatchbot" would silence our DEBUG); without one, bolt calls
            # inspect.stack(), which reads every frame's source: about 150 ms of each start.
            name="slack_bolt.app",
            client=client,
            signing_secret=signing_secret,
            process_before_response=True,
            raise_error_for_unhandled_request=False,
        )
        context_handlers.register(bolt, deps, in_flight)
        delivery_handlers.register(bolt, deps)
        error_handlers.register(bolt, deps)
        router = Router(self._http)
        for feature in self._features:
            for flow in feature.flows:  # before start-up resumes their runs
                runs.register(flow)
            if feature.handlers is not None:
                feature.handlers(router, deps)
        for extension in self._extensions:
            extension(router, deps)
        fallback_handlers.register(router, deps)
        router.attach(bolt)

        leadership = leadership_for(database, settings.scheduler.leader_retry_seconds)
        scheduler = Scheduler(
            all_jobs(deps, self._features),
            self._clock,
            leadership,
            JobStateService(database.sessions, self._clock),
            owner,
        )
        intake = AlertIntake(
            database.sessions,
            self._clock,
            signal_router,
            settings,
            on_stored=deps.alerts.work_written,
            snooze_generation=lambda: deps.snoozes.generation,
        )
        delivery = AlertDelivery(
            deps, alert_plugins, lambda: scheduler.is_leader, intake_busy=lambda: intake.busy
        )
        return Assembled(deps, bolt, in_flight, scheduler, intake, delivery)

    async def stop(self) -> None:
        """Graceful stop: refuse new requests, finish in-flight work (bounded), then close everything."""
        running = self.running
        if running is None:  # start-up failed part-way: release what it had opened
            if self._runs is not None:  # runs resumed early in start-up may be under way: let them end
                await self._runs.drain(self.settings.runs.shutdown_timeout_seconds)
            if self._database is not None:
                await self._database.dispose()
            await self._close_http()
            return
        self.running = None
        deadline = asyncio.get_running_loop().time() + self.settings.runs.shutdown_timeout_seconds

        def remaining() -> float:
            return max(0.0, deadline - asyncio.get_running_loop().time())

        running.web_state.draining = True
        await running.intake.stop()  # alerts already received are stored and answered
        if running.watch is not None:
            await running.watch.stop()
        if running.socket is not None:
            await running.socket.close_async()
        await running.scheduler.stop(remaining())
        await running.in_flight.wait_idle(remaining())
        await running.deps.deliveries.drain(remaining())
        await running.deps.background.drain(remaining())
        await running.deps.runs.drain(remaining())
        await running.delivery.stop()  # a notice cut short is found by its marker when retried
        await running.web_runner.cleanup()
        await running.deps.database.dispose()
        await self._close_http()
        log.info("bot.stopped")

    async def _close_http(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def run_until_signalled(self) -> signal.Signals:
        """`dispatchbot run`: start, then wait for SIGTERM or SIGINT, stop gracefully and say which came.

        Start-up runs as a task the signal cancels, so Ctrl-C is obeyed at once even while start-up
        is still retrying Slack or the database; `stop` then releases whatever start-up had opened.
        """
        loop = asyncio.get_running_loop()
        received: asyncio.Future[signal.Signals] = loop.create_future()
        starting = asyncio.create_task(self.start())

        def on_signal(signum: signal.Signals) -> None:
            if not received.done():
                received.set_result(signum)
            starting.cancel()  # does nothing once start-up has finished

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, on_signal, signum)
        try:
            try:
                await starting
            except asyncio.CancelledError:
                if not received.done():
                    raise
            signum = await received
            log.info("bot.stopping", signal=signum.name, started=self.running is not None)
            return signum
        finally:
            await self.stop()


async def _prepare_schema(database: Database, settings: Settings) -> None:
    try:
        revision = await migrate.current_revision(database)
        if revision == migrate.HEAD_REVISION:
            return
        migrate.refuse_newer(revision)
        if not settings.database.migrate_on_start:
            raise StartupError(
                "database schema is not current and database.migrate_on_start is off"
                " — run `dispatchbot db upgrade`"
            )
        await migrate.upgrade(database)
        # alembic's own lines are library chatter: one line of ours instead
        log.info("database.migrated", from_revision=revision, to_revision=migrate.HEAD_REVISION)
    except StartupError:
        raise
    except migrate.SchemaFromNewerRelease as exc:
        raise StartupError(f"database {_describe_database(settings)}: {exc}") from exc
    except Exception as exc:
        raise StartupError(f"database {_describe_database(settings)}: {type(exc).__name__}: {exc}") from exc


async def _check_bot_token(slack: SlackGateway, settings: Settings) -> BotIdentity:
    try:
        return await slack.auth_test()
    except ProviderError as exc:
        raise StartupError(
            f"Slack rejected the bot token ({exc.detail}) — check DISPATCHBOT_SLACK__BOT_TOKEN "
            f"(the Bot User OAuth Token) and that the app is installed in the workspace"
        ) from exc
    except Exception as exc:
        raise StartupError(
            f"cannot reach Slack at {settings.slack.api_url}: {type(exc).__name__}: {exc}"
        ) from exc


async def _connect_socket(handler: InstrumentedSocketModeHandler) -> None:
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
    except Exception as exc:
        error = getattr(getattr(exc, "response", None), "get", lambda _key, default=None: default)("error")
        detail = error or f"{type(exc).__name__}: {exc}"
        raise StartupError(
            f"Socket Mode connection refused ({detail}) — check DISPATCHBOT_SLACK__APP_TOKEN (an app-level "
            f"xapp- token with connections:write) and that Socket Mode is enabled for the app"
        ) from exc


async def _slack_status(settings: Settings, watch: ConnectionWatch | None, clock: Clock) -> SlackStatus:
    if watch is None:
        return SlackStatus(mode=settings.slack.mode.value, connected=True)
    await watch.check()
    reason = None
    if not watch.connected:
        down_for = (clock.now() - watch.down_since).total_seconds()
        if down_for > settings.health.slack_disconnect_grace_seconds:
            reason = f"Slack Socket Mode disconnected for {down_for:.0f}s"
    return SlackStatus(mode=settings.slack.mode.value, connected=watch.connected, unhealthy_reason=reason)


def _bound_port(site: web.TCPSite) -> int:
    server = site._server  # aiohttp exposes the bound socket only here; needed when port 0 was asked for
    sockets = getattr(server, "sockets", None) or []
    return int(sockets[0].getsockname()[1]) if sockets else 0


def _describe_database(settings: Settings) -> str:
    return str(masked_dict(settings)["database"]["url"])
