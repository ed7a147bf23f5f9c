"""The page's fragments for one person: the sidebar, a channel, a thread, their open modal, App Home.

Each is a function of the workspace and the person, so the page can re-fetch whichever it shows when
the workspace changes, and tests can render them without a browser.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dispatchbot.sandbox import visibility
from dispatchbot.sandbox.render.blocks import render_blocks
from dispatchbot.sandbox.render.context import Surface, data_attributes
from dispatchbot.sandbox.render.emoji import glyph
from dispatchbot.sandbox.render.mrkdwn import Names, text, to_html
from dispatchbot.sandbox.render.views import render_home, render_view
from dispatchbot.testing.slack.state import Channel, Ephemeral, Message, User, Workspace

REACTIONS = ("eyes", "white_check_mark", "+1", "rotating_light", "fire", "tada")
"""What the reaction picker offers (Slack's most used in incident channels)."""


def names(ws: Workspace) -> Names:
    return Names(
        users={u.id: u.real_name or u.name for u in ws.users.values()},
        channels={c.id: c.name for c in ws.channels.values() if not c.is_im},
    )


def people(ws: Workspace) -> list[User]:
    """The people one can act as: every human who is not deleted, by name."""
    return sorted((u for u in ws.users.values() if not u.is_bot and not u.deleted), key=lambda u: u.name)


def surface(ws: Workspace, user: User, container: dict[str, str], id_prefix: str) -> Surface:
    """What rendering blocks for ``user`` needs; made once per fragment (it reads the whole workspace)
    and varied per message with ``dataclasses.replace``."""
    return Surface(
        names=names(ws),
        container=container,
        people=tuple((u.id, u.real_name or u.name) for u in people(ws)),
        channels=tuple(
            (c.id, f"#{c.name}") for c in visibility.channels(ws, user.id) if user.id in c.members
        ),
        id_prefix=id_prefix,
    )


def _clock(ts: str, user: User) -> str:
    moment = datetime.fromtimestamp(float(ts), UTC)
    with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
        moment = moment.astimezone(ZoneInfo(user.tz))
    return moment.strftime("%H:%M")


def sidebar(
    ws: Workspace, user: User, marks: visibility.ReadMarks | None = None, open_channel: str = ""
) -> str:
    """A nav landmark listing the person's channels (then ones they can join) and their DM with the app,
    those with messages the person has not seen (by ``marks``) in bold and flagged "new", except the
    one open on their page (which it is about to show)."""

    def entry(channel: Channel, label: str) -> str:
        unread = channel.id != open_channel and marks is not None and marks.unread(ws, user.id, channel)
        flags = ' <span class="flag unread">new</span>' if unread else ""
        if channel.is_private and not channel.is_im:
            flags += ' <span class="flag">private</span>'
        if channel.archived:
            flags += ' <span class="flag">archived</span>'
        attributes = data_attributes({"channel": channel.id})
        css = ' class="unread"' if unread else ""
        return f'<li{css}><a href="#{text(channel.id)}"{attributes}>{text(label)}</a>{flags}</li>'

    visible = visibility.channels(ws, user.id)
    joined = [entry(c, f"# {c.name}") for c in visible if user.id in c.members]
    other = [entry(c, f"# {c.name}") for c in visible if user.id not in c.members]
    dm = entry(ws.im_with(user.id), ws.users[ws.bot_user_id].name)
    home = f'<li><a href="#home"{data_attributes({"home": "true"})}>Home (dispatchbot)</a></li>'
    parts = [
        '<nav class="sidebar" aria-label="Channels and direct messages">',
        f"<h2>Channels</h2><ul>{''.join(joined)}</ul>",
    ]
    if other:
        parts.append(f"<h2>More channels</h2><ul>{''.join(other)}</ul>")
    parts.append(f"<h2>Direct messages</h2><ul>{dm}</ul><h2>Apps</h2><ul>{home}</ul></nav>")
    return "".join(parts)


def _author(ws: Workspace, item: Message | Ephemeral) -> str:
    """Who wrote it: the app by its name (as Slack shows apps), else the person's real name."""
    if isinstance(item, Ephemeral) or item.user == ws.bot_user_id:
        return ws.users[ws.bot_user_id].name
    user = ws.users.get(item.user)
    return (user.real_name or user.name) if user is not None else item.user


def message(
    ws: Workspace, user: User, item: Message | Ephemeral, base: Surface, *, in_thread: bool = False
) -> str:
    """One message (or ephemeral) with its blocks, reactions, pin mark and thread link."""
    ephemeral = isinstance(item, Ephemeral)
    container = {"container": "ephemeral" if ephemeral else "message", "channel": item.channel, "ts": item.ts}
    where = replace(base, container=container, id_prefix=f"{base.id_prefix}{item.ts.replace('.', '_')}")
    if item.blocks:
        body = render_blocks(item.blocks, where)
    else:
        body = f'<div class="blocks"{where.container_attributes()}>{to_html(item.text, where.names)}</div>'
    notes = []
    if ephemeral:
        notes.append('<span class="note">Only visible to you</span>')
    if isinstance(item, Message) and item.pinned:
        notes.append('<span class="note">📌 Pinned</span>')
    footer = ""
    if isinstance(item, Message):
        footer = _reactions(item) + ("" if in_thread else _thread_link(ws, item))
    heading = (
        f'<div class="meta"><strong>{text(_author(ws, item))}</strong> '
        f'<time datetime="{item.ts}">{_clock(item.ts, user)}</time> {" ".join(notes)}</div>'
    )
    css = "message ephemeral" if ephemeral else "message"
    return f'<li class="{css}" id="{where.id_prefix}">{heading}{body}{footer}</li>'


def _reactions(item: Message) -> str:
    attributes = data_attributes({"channel": item.channel, "ts": item.ts})
    shown = "".join(
        f'<button type="button" class="reaction" data-react="{text(name)}"{attributes}>'
        f"{text(glyph(name))} {len(users)}</button>"
        for name, users in item.reactions.items()
    )
    options = "".join(
        f'<option value="{text(name)}">{glyph(name)} :{text(name)}:</option>' for name in REACTIONS
    )
    picker = (
        f'<select class="react-picker" aria-label="Add reaction"{attributes}>'
        f'<option value="">Add reaction…</option>{options}</select>'
    )
    return f'<div class="reactions">{shown}{picker}</div>'


def _thread_link(ws: Workspace, item: Message) -> str:
    """The "N replies" button under a thread's parent; else "Reply in thread", which the page shows
    (with the reaction picker) only while the message is hovered or focused, as Slack's toolbar."""
    replies = len(ws.replies(item))
    label = f"{replies} repl{'y' if replies == 1 else 'ies'}" if replies else "Reply in thread"
    css = "thread-link" if replies else "thread-link quiet"
    attributes = data_attributes({"thread": item.ts, "channel": item.channel})
    return f'<button type="button" class="{css}"{attributes}>{label}</button>'


def composer(label: str, channel_id: str, thread_ts: str = "") -> str:
    """A textbox named ``label`` (Enter sends, Shift+Enter starts a new line, as in Slack). Not an
    `<input list>`: that is a combobox to screen readers; the page offers command completion itself."""
    ids = {"channel": channel_id} | ({"thread": thread_ts} if thread_ts else {})
    return (
        f'<form class="composer"{data_attributes(ids)}>'
        f'<textarea name="text" rows="1" aria-label="{text(label)}" placeholder="{text(label)}"'
        ' autocomplete="off"></textarea>'
        '<button type="submit">Send</button></form>'
    )


def channel(
    ws: Workspace,
    user: User,
    channel_id: str,
    limit: int = 100,
    marks: visibility.ReadMarks | None = None,
) -> str:
    """A channel's header (name, topic, bookmarks, pins), its newest messages and the composer; the
    channel counts as read (in ``marks``) once shown."""
    where = visibility.conversation(ws, user.id, channel_id)
    page = visibility.history(ws, user.id, channel_id, limit)
    if marks is not None:
        marks.shown(user.id, page)
    title = ws.users[ws.bot_user_id].name if where.is_im else f"# {where.name}"
    header = [f'<header class="channel-header"><h1>{text(title)}</h1>']
    if where.topic:
        header.append(f'<p class="topic">{text(where.topic)}</p>')
    if where.bookmarks:
        links = "".join(
            f'<li><a href="{text(b.link)}" target="_blank" rel="noopener noreferrer">{text(b.title)}</a></li>'
            for b in where.bookmarks
            if b.link.startswith(("http://", "https://"))
        )
        header.append(f'<ul class="bookmarks" aria-label="Bookmarks">{links}</ul>')
    if where.pins:
        header.append(f'<p class="pins">📌 {len(where.pins)} pinned</p>')
    header.append("</header>")
    older = (
        f'<button type="button" class="older"{data_attributes({"limit": str(limit + 100)})}>'
        "Older messages</button>"
        if page.more
        else ""
    )
    base = surface(ws, user, {}, "m")
    items = "".join(message(ws, user, item, base) for item in page.items)
    listing = f'<ol class="messages" aria-label="Messages in {text(title)}">{items}</ol>'
    if where.archived:
        footer = '<p class="archived">This channel is archived.</p>'
    elif user.id in where.members:
        footer = composer(f"Message {title.replace('# ', '#')}", where.id)
    else:
        footer = (
            f'<button type="button" class="join"{data_attributes({"join": where.id})}>'
            f"Join {text(title)}</button>"
        )
    attributes = data_attributes({"channel": where.id})
    return f'<section class="channel"{attributes}>{"".join(header)}{older}{listing}{footer}</section>'


def thread(ws: Workspace, user: User, channel_id: str, ts: str) -> str:
    items = visibility.thread(ws, user.id, channel_id, ts)
    base = surface(ws, user, {}, "t")
    listing = "".join(message(ws, user, item, base, in_thread=True) for item in items)
    member = user.id in visibility.conversation(ws, user.id, channel_id).members
    reply = composer("Reply in thread", channel_id, ts) if member else ""
    return (
        f'<aside class="thread" aria-label="Thread"{data_attributes({"channel": channel_id, "thread": ts})}>'
        '<header><h2>Thread</h2><button type="button" class="close-thread">Close thread</button></header>'
        f'<ol class="messages">{listing}</ol>{reply}</aside>'
    )


def modal(ws: Workspace, user: User) -> str:
    """The top of the person's modal stack, or nothing."""
    view = ws.top_view(user.id)
    if view is None:
        return ""
    return render_view(view, surface(ws, user, {"container": "view", "view_id": view.id}, f"v{view.id}"))


def home(ws: Workspace, user: User) -> str:
    view_id = ws.home_views.get(user.id)
    if view_id is None:
        return '<section class="home" aria-label="Home"><p>The app has no Home tab yet.</p></section>'
    view = ws.views[view_id]
    return render_home(view, surface(ws, user, {"container": "view", "view_id": view.id}, f"h{view.id}"))
