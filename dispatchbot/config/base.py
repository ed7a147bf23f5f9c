"""The base of every config section (a module of its own so the section modules can share it)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A config section: unknown keys are errors, so a typo is caught at start-up, not at 3 a.m."""

    model_config = ConfigDict(extra="forbid", frozen=True)
