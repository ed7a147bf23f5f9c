"""``FakeSlack``: one aiohttp server on 127.0.0.1 serving the Web API, Socket Mode and response URLs
for one fake workspace, plus the accessors tests assert on.

The real slack_sdk/bolt talk to it over the network (``base_url=fake.api_url``), so a test exercises
the same code paths, encodings and error handling as production.
"""

from __future__ import annotations

from aiohttp import web

from dispatchbot.testing.local_server import LocalServer
from dispatchbot.testing.slack.delivery import Ack, Delivery
from dispatchbot.testing.slack.driver import Person
from dispatchbot.testing.slack.faults import Faults
from dispatchbot.testing.slack.http_mode import HttpDelivery
from dispatchbot.testing.slack.response_urls import ResponseUrls
from dispatchbot.testing.slack.socket_mode import SocketMode
from dispatchbot.testing.slack.state import JSON, Channel, Ephemeral, Message, StoredView, User, Workspace
from dispatchbot.testing.slack.web_api import ApiCall, WebApi

BOT_USER_ID = "U0BOT"
BOT_ID = "B0001"


def _app_id(app_token: str) -> str:
    """App-level tokens embed the app id: ``xapp-1-A0001-...`` belongs to app ``A0001``."""
    parts = app_token.split("-")
    return parts[2] if len(parts) > 2 and parts[2].startswith("A") else "A0001"


class FakeSlack(LocalServer):
    def __init__(
        self,
        bot_token: str = "xoxb-1-test",
        app_token: str = "xapp-1-A0001-1-test",
        team_id: str = "T0001",
        team_name: str = "Fake Workspace",
    ) -> None:
        super().__init__()
        self.bot_token = bot_token
        self.app_token = app_token
        self.workspace = Workspace(team_id, team_name, _app_id(app_token), BOT_ID, BOT_USER_ID)
        self.faults = Faults()
        self.socket = SocketMode(self.workspace.app_id)
        self.http: HttpDelivery | None = None
        self.response_urls = ResponseUrls(self.workspace)
        self.api = WebApi(
            self.workspace,
            self.faults,
            bot_token=bot_token,
            app_token=app_token,
            open_socket=self.socket.new_url,
        )
        self.deliveries: list[Ack] = []
        """The final Ack of every delivery, in order, whatever the mode."""
        self._delivery: Delivery = self.socket
        self._people: dict[str, Person] = {}

    # --------------------------------------------------------------- lifecycle

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self.api.handle)
        app.router.add_get("/link/", self.socket.handle)
        app.router.add_post("/{kind:commands|actions}/{team}/{key}", self.response_urls.handle)
        return app

    async def start(self, port: int = 0) -> None:
        await super().start(port)
        self.socket.base_ws_url = f"ws://127.0.0.1:{self.port}/link/"
        self.response_urls.base_url = f"http://127.0.0.1:{self.port}/"

    async def stop(self) -> None:
        """Stop serving. Close bolt's socket handlers first, or they keep trying to reconnect."""
        if self.http is not None:
            await self.http.close()
        await self.socket.close()
        await super().stop()

    @property
    def api_url(self) -> str:
        """The ``base_url`` for slack_sdk clients (it must end in ``/api/``)."""
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def bot_user_id(self) -> str:
        return self.workspace.bot_user_id

    @property
    def team_id(self) -> str:
        return self.workspace.team_id

    @property
    def app_id(self) -> str:
        return self.workspace.app_id

    # ------------------------------------------------------------------- setup

    def add_user(
        self,
        name: str,
        *,
        real_name: str = "",
        email: str | None = None,
        tz: str = "UTC",
        is_bot: bool = False,
        deleted: bool = False,
        is_admin: bool = False,
    ) -> User:
        ws = self.workspace
        user = User(
            id=ws.new_id("U"),
            name=name,
            team_id=ws.team_id,
            real_name=real_name or name,
            email=email,
            tz=tz,
            is_bot=is_bot,
            deleted=deleted,
            is_admin=is_admin,
        )
        ws.users[user.id] = user
        return user

    def add_channel(
        self,
        name: str,
        *,
        members: list[str] | tuple[str, ...] = (),
        is_private: bool = False,
        topic: str = "",
        purpose: str = "",
    ) -> Channel:
        """Create a channel as a person would; add ``fake.bot_user_id`` to ``members`` to put the bot in."""
        ws = self.workspace
        creator = members[0] if members else BOT_USER_ID
        channel = Channel(
            id=ws.new_id("C"),
            name=name,
            creator=creator,
            created=ws.now(),
            is_private=is_private,
            members=list(dict.fromkeys(members)),
            topic=topic,
            topic_by=creator if topic else "",
            purpose=purpose,
            purpose_by=creator if purpose else "",
        )
        ws.channels[channel.id] = channel
        ws.messages[channel.id] = []
        return channel

    def as_user(self, user: User | str) -> Person:
        """The driver for one person (the same object every time, so it remembers views it saw)."""
        found = self.workspace.users[user if isinstance(user, str) else user.id]
        if found.id not in self._people:
            self._people[found.id] = Person(self, found)
        return self._people[found.id]

    # ---------------------------------------------------------------- delivery

    def deliver_http(self, url: str, signing_secret: str) -> HttpDelivery:
        """From now on deliver as signed HTTP POSTs to ``url`` (HTTP events mode)."""
        self.http = HttpDelivery(url, signing_secret)
        self._delivery = self.http
        return self.http

    def deliver_socket_mode(self) -> None:
        self._delivery = self.socket

    async def deliver(self, kind: str, body: JSON) -> Ack:
        """Hand one envelope (``events_api``, ``slash_commands``, ``interactive``) to the app."""
        ack = await self._delivery.deliver(kind, body)
        self.deliveries.append(ack)
        return ack

    # ---------------------------------------------------------------- reading

    @property
    def calls(self) -> list[ApiCall]:
        return self.api.calls

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.api.calls if c.method == method]

    def arrivals(self, method: str) -> int:
        """How many `method` requests reached the fake, counting those still held by injected latency."""
        return self.api.arrived.count(method)

    def messages(self, channel_id: str) -> list[Message]:
        """Every message in the channel, thread replies included, oldest first."""
        return list(self.workspace.messages.get(channel_id, []))

    def ephemerals(self, channel_id: str | None = None, user: str | None = None) -> list[Ephemeral]:
        return [
            e
            for e in self.workspace.ephemerals
            if (channel_id is None or e.channel == channel_id) and (user is None or e.user == user)
        ]

    def dms(self, user_id: str) -> list[Message]:
        """Messages in the IM between the bot and ``user_id``."""
        return self.messages(self.workspace.im_with(user_id).id)

    @property
    def views(self) -> dict[str, StoredView]:
        return self.workspace.views

    def view(self, view_id: str) -> StoredView:
        return self.workspace.views[view_id]

    def home_view(self, user_id: str) -> StoredView | None:
        view_id = self.workspace.home_views.get(user_id)
        return None if view_id is None else self.workspace.views[view_id]

    @property
    def response_url_posts(self) -> list[tuple[str, JSON]]:
        return self.response_urls.posts
