"""Undo and redo: put back every row a ``ScheduleChange`` touched, if nobody changed it since."""

from __future__ import annotations

from dataclasses import replace

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.roles import Operation
from dermai_desktop.domain.scheduling import Appointment, Conflict, ScheduleConflict
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.ports import UnitOfWork
from dermai_desktop.services.schedule_base import ScheduleBase, repo
from dermai_desktop.services.schedule_dto import (
    AppointmentChange,
    RecallChange,
    ScheduleChange,
    SeriesChange,
    WaitlistChange,
)

_STALE = ValidationFailed(
    "This can no longer be undone: the appointment was changed again since.",
    "Refresh the schedule and make the change by hand.",
)


def _unchanged(current: object | None, expected: object) -> bool:
    """Whether ``current`` still holds what the change left, whatever its version number.

    Versions alone would refuse a perfectly good undo after an earlier undo
    (each bumps the version); content is what must not have moved on.
    """
    if current is None:
        return False
    blank = {"version": 0}
    if hasattr(expected, "updated_at"):
        blank["updated_at"] = None  # type: ignore[assignment]
    return replace(current, **blank) == replace(expected, **blank)  # type: ignore[type-var]


def _same_slot(a: Appointment, b: Appointment) -> bool:
    return (a.provider_id, a.start, a.end, a.room_id, a.patient_id) == (
        b.provider_id,
        b.start,
        b.end,
        b.room_id,
        b.patient_id,
    )


class ScheduleRevertOps(ScheduleBase):
    def revert(self, actor: Actor, change: ScheduleChange) -> ScheduleChange:
        """Undo ``change``; reverting the returned change redoes it.

        Each row must still be exactly as ``change`` left it (same version), and
        times given back must still be free, otherwise nothing is changed.
        """
        first = next((c.after or c.before for c in change.appointments), None)
        self._require(
            actor,
            Operation.SCHEDULE_EDIT,
            patient_id=first.patient_id if first else None,
            entity_id=first.id if first else None,
        )
        with self._uow_factory(actor) as uow:
            config = self._config(uow)
            involved = {c.id for ch in change.appointments for c in (ch.before, ch.after) if c}
            rows: list[AppointmentChange] = []
            for item in reversed(change.appointments):
                rows.append(self._revert_row(uow, item))
            conflicts: list[Conflict] = []
            for item in rows:
                after, before = item.after, item.before
                if after is None or not after.blocks_time:
                    continue
                if before is not None and before.blocks_time and _same_slot(before, after):
                    continue  # a status change on a slot it already held
                conflicts += self._conflicts(uow, config, self._slot_of(after), ignore=involved)
            if conflicts:
                raise ScheduleConflict(
                    conflicts, "That time has been given to someone else; undo is not possible."
                )
            reverted = [self._revert_series(uow, s) for s in reversed(change.series)]
            series = [s for s in reverted if s is not None]
            waitlist = [self._revert_waitlist(uow, w) for w in reversed(change.waitlist)]
            recalls = [self._revert_recall(uow, c) for c in reversed(change.recalls)]
            for item in rows:
                state = item.after or item.before
                if state is not None:
                    self._audit_appointment(
                        uow, actor, AuditAction.UPDATE, state, f"undo {change.kind}"
                    )
            uow.commit()
        return ScheduleChange(
            f"revert:{change.kind}" if not change.kind.startswith("revert:") else change.kind[7:],
            tuple(rows),
            series=tuple(series),
            waitlist=tuple(waitlist),
            recalls=tuple(recalls),
        )

    @staticmethod
    def _revert_row(uow: UnitOfWork, item: AppointmentChange) -> AppointmentChange:
        r = repo(uow)
        if item.after is None:  # the change removed the row: bring it back
            if item.before is None:  # pragma: no cover - an empty change never happens
                raise _STALE
            if r.get_appointment(item.before.id) is not None:
                raise _STALE
            return AppointmentChange(None, r.restore_appointment(item.before))
        current = r.get_appointment(item.after.id)
        if current is None or not _unchanged(current, item.after):
            raise _STALE
        if item.before is None:  # the change created the row: remove it again
            r.remove_appointment(current.id, current.version)
            return AppointmentChange(current, None)
        restored = r.update_appointment(replace(item.before, version=current.version))
        return AppointmentChange(current, restored)

    @staticmethod
    def _revert_series(uow: UnitOfWork, item: SeriesChange) -> SeriesChange | None:
        # A series row created by the change stays (its occurrences are gone, so it
        # shows nothing); one that was edited gets its previous rule back.
        if item.before is None or item.after is None:
            return None
        r = repo(uow)
        current = r.get_series(item.after.id)
        if current is None or not _unchanged(current, item.after):
            raise _STALE
        return SeriesChange(current, r.update_series(replace(item.before, version=current.version)))

    @staticmethod
    def _revert_waitlist(uow: UnitOfWork, item: WaitlistChange) -> WaitlistChange:
        r = repo(uow)
        if item.before is None or item.after is None:  # pragma: no cover - never produced
            raise _STALE
        current = r.get_waitlist(item.after.id)
        if current is None or not _unchanged(current, item.after):
            raise _STALE
        return WaitlistChange(
            current, r.update_waitlist(replace(item.before, version=current.version))
        )

    @staticmethod
    def _revert_recall(uow: UnitOfWork, item: RecallChange) -> RecallChange:
        r = repo(uow)
        if item.before is None or item.after is None:  # pragma: no cover - never produced
            raise _STALE
        current = r.get_recall(item.after.id)
        if current is None or not _unchanged(current, item.after):
            raise _STALE
        return RecallChange(current, r.update_recall(replace(item.before, version=current.version)))


__all__ = ["ScheduleRevertOps"]
