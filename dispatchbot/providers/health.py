"""Optional health checks an adapter may offer, for `dispatchbot doctor`.

They are separate protocols, not part of `Oncall` or `Documents`, so a third-party adapter written
before them still loads (the role protocols are checked with `isinstance`); doctor reports such an
adapter as "not checked" instead of failing it. Each method answers one short line for people (never
a secret) or raises `ProviderError` saying what is wrong.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class OncallHealth(Protocol):
    async def check_access(self) -> str:
        """The credentials are accepted; what was reached, e.g. "API key accepted"."""
        ...

    async def check_service(self, service_id: str) -> str:
        """`service_id` (a `[[services]].external_id`) exists at the provider; its name there."""
        ...


@runtime_checkable
class DocumentsHealth(Protocol):
    async def check_access(self) -> str:
        """The credentials are accepted (and the root folder, when configured, is readable)."""
        ...

    async def check_file(self, file_id: str) -> str:
        """The template `file_id` is readable and usable as a template; its name."""
        ...
