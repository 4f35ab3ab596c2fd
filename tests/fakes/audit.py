"""The audit log in memory: every event as the service recorded it, in order."""

from __future__ import annotations

from typing import Any

from pos_app.domain.permissions import Actor
from tests.fakes.state import AuditEvent, FakeState


class FakeAuditLog:
    """`AuditLog` over the fake state; an event of a unit of work rolled back is gone with it."""

    def __init__(self, state: FakeState) -> None:
        self._state = state

    def record(self, actor: Actor, action: str, *, entity_type: str | None = None,
               entity_id: str | None = None, summary: dict[str, Any] | None = None,
               approved_by: str | None = None) -> None:
        self._state.audit.append(AuditEvent(actor, action, entity_type, entity_id, dict(summary or {}),
                                            approved_by))

    @property
    def events(self) -> list[AuditEvent]:
        return list(self._state.audit)

    def actions(self) -> list[str]:
        return [event.action for event in self._state.audit]

    def of(self, action: str) -> list[AuditEvent]:
        return [event for event in self._state.audit if event.action == action]
