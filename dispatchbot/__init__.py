"""dispatchbot: a Slack-first incident management bot."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dispatchbot")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
