"""What every repository is: queries over one aggregate, run in the session of the service method
that owns the transaction. Repositories flush but never commit."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
