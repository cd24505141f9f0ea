"""The SQL unit of work: one session, one transaction, attributed to one actor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.analysis_ports import AnalysisRepository
from dermai_desktop.services.chart_ports import ChartListRepository, NoteTemplateRepository
from dermai_desktop.services.imaging_ports import ImageRepository, LesionRepository
from dermai_desktop.services.ports import (
    AuditRepository,
    ChartRepository,
    ClinicRepository,
    Clock,
    PatientRepository,
    SettingsRepository,
    UserRepository,
)
from dermai_desktop.services.schedule_ports import ScheduleRepository
from dermai_desktop.storage.analysis_repository import SqlAnalysisRepository
from dermai_desktop.storage.audit_repository import SqlAuditRepository
from dermai_desktop.storage.chart_lists_repository import (
    SqlChartListRepository,
    SqlNoteTemplateRepository,
)
from dermai_desktop.storage.imaging_repository import SqlImageRepository, SqlLesionRepository
from dermai_desktop.storage.outbox import ACTOR_KEY, CLOCK_KEY, install_outbox_hook
from dermai_desktop.storage.patient_search import SqlPatientSearchRepository
from dermai_desktop.storage.repositories import (
    SqlChartRepository,
    SqlClinicRepository,
    SqlSettingsRepository,
    SqlUserRepository,
)
from dermai_desktop.storage.schedule_repository import SqlScheduleRepository


def _utc_now() -> datetime:
    return datetime.now(UTC)


class StaleRecord(ValidationFailed):
    title = "Changed elsewhere"
    default_message = "Someone else changed this record while you were editing it."
    default_next_step = "Reopen it to see the latest version, then make your change again."


class SqlUnitOfWork:
    """Implements ``services.ports.UnitOfWork`` over one SQLAlchemy session.

    Everything done through the repositories - including audit rows and sync
    outbox entries - is one SQLite transaction: ``commit`` keeps it all,
    leaving the ``with`` block without committing throws it all away.
    """

    users: UserRepository
    audit: AuditRepository
    settings: SettingsRepository
    clinic: ClinicRepository
    patients: PatientRepository
    charts: ChartRepository
    chart_lists: ChartListRepository
    templates: NoteTemplateRepository
    schedule: ScheduleRepository
    lesions: LesionRepository
    images: ImageRepository
    analysis: AnalysisRepository

    def __init__(
        self,
        factory: sessionmaker[Session],
        actor: Actor,
        audit_key: bytes,
        now: Callable[[], datetime],
    ) -> None:
        self.actor = actor
        self.session = factory()
        self.session.info[ACTOR_KEY] = actor
        self.session.info[CLOCK_KEY] = now
        self.users = SqlUserRepository(self.session, now)
        self.audit = SqlAuditRepository(self.session, audit_key)
        self.settings = SqlSettingsRepository(self.session, now, actor)
        self.clinic = SqlClinicRepository(self.session, now)
        self.patients = SqlPatientSearchRepository(self.session, now)
        self.charts = SqlChartRepository(self.session, now)
        self.chart_lists = SqlChartListRepository(self.session, now)
        self.templates = SqlNoteTemplateRepository(self.session, now)
        self.schedule = SqlScheduleRepository(self.session, now)
        self.lesions = SqlLesionRepository(self.session, now)
        self.images = SqlImageRepository(self.session, now)
        self.analysis = SqlAnalysisRepository(self.session, now)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Closing rolls back whatever was not committed.
        self.session.close()

    def commit(self) -> None:
        try:
            self.session.commit()
        except StaleDataError as error:
            self.session.rollback()
            raise StaleRecord() from error

    def rollback(self) -> None:
        self.session.rollback()


class SqlUnitOfWorkFactory:
    """Implements ``services.ports.UnitOfWorkFactory`` for one open database."""

    def __init__(self, engine: Engine, audit_key: bytes, clock: Clock | None = None) -> None:
        if len(audit_key) < 32:
            raise ValueError("audit key too short")
        self._audit_key = audit_key
        self._now: Callable[[], datetime] = clock.now if clock is not None else _utc_now
        self._factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        install_outbox_hook(self._factory)

    def __call__(self, actor: Actor) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._factory, actor, self._audit_key, self._now)
