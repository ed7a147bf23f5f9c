"""What a reporter submits, for tests that create incidents through the service rather than the bot."""

from __future__ import annotations

from dispatchbot.domain import IncidentDraft, Visibility

DRAFT = IncidentDraft("Disk full", "", "Default", "Low", "Low", Visibility.OPEN)
