"""The fake's Web API methods, one module per family, merged into one name -> handler table."""

from dispatchbot.testing.slack.methods import auth, bookmarks, chat, conversations, items, users, views
from dispatchbot.testing.slack.methods.common import ApiError, Args, Context, Handler

HANDLERS: dict[str, Handler] = {
    **auth.HANDLERS,
    **users.HANDLERS,
    **conversations.HANDLERS,
    **chat.HANDLERS,
    **items.HANDLERS,
    **bookmarks.HANDLERS,
    **views.HANDLERS,
}

__all__ = ["HANDLERS", "ApiError", "Args", "Context", "Handler"]
