"""The typed, versioned shape of a flow run's arguments and recorded state, as kept in its row.

A run outlives the release that started it: a crash or a deploy resumes it under new code. So what a
run stores says which version of its model wrote it, and each model knows how to read the versions
before it (`upgrade`). Version 0 is the untyped dict of the releases before these models, so a run
recorded by one of them still resumes after the upgrade. Unknown fields are refused, on reading and on
recording, so a mistyped name fails at once instead of being quietly kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

VERSION_KEY = "_version"
"""The stored dict's version marker (a leading underscore: no model field can take the name)."""


class RunValue(BaseModel):
    """A value kept in a run's row. Frozen: a step changes a run's state only by recording it, which is
    what makes it survive; and no unknown fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RunModel(RunValue):
    """A run's arguments or state as a whole: versioned."""

    VERSION: ClassVar[int] = 1

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> Self:
        """The model from its row, upgraded one version at a time from whichever release wrote it."""
        data = dict(stored)
        version = int(data.pop(VERSION_KEY, 0))
        if version > cls.VERSION:
            raise ValueError(
                f"{cls.__name__} v{version} was written by a newer release (this is v{cls.VERSION})"
            )
        for older in range(version, cls.VERSION):
            data = cls.upgrade(data, older)
        return cls.model_validate(data)

    def to_stored(self) -> dict[str, Any]:
        return {VERSION_KEY: self.VERSION, **self.model_dump(mode="json")}

    @classmethod
    def upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        """`data` as version `version` stored it, in the shape of the next version. Version 0 used the
        same names as version 1 for every plain field, so by default there is nothing to change."""
        return data


class RunArgs(RunModel):
    """What a run was started with. `requested_by` is whom to tell (with a Retry button) when the run
    gives up; None for runs nobody asked for (the scheduler's, a document retry started on its own)."""

    requested_by: str | None = None


class IncidentArgs(RunArgs):
    """The arguments of a run about one existing incident (steps shared by such runs read only this)."""

    incident_id: int


class RunState(RunModel):
    """What a run's steps recorded so far; every field has an empty default, as nothing is recorded yet."""

    def recorded(self, values: Mapping[str, Any]) -> Self:
        """This state with `values` recorded, validated strictly: an unknown field or a value of the wrong
        type raises (no "1" for an id), as it is a step's own value, not text read back from a row."""
        return self.model_validate({**self.model_dump(), **values}, strict=True)


class NoState(RunState):
    """For flows whose steps record nothing (each is idempotent by what it finds)."""
