"""The set of services the UI and CLI use, built in one place by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from dermai_desktop.config import MachineConfig
from dermai_desktop.domain.ids import WorkstationId
from dermai_desktop.services.analysis import AnalysisService
from dermai_desktop.services.analysis_ports import LesionAnalyzer
from dermai_desktop.services.audit import AuditService
from dermai_desktop.services.auth import AuthService
from dermai_desktop.services.chart_lists import ChartListService
from dermai_desktop.services.charts import ChartService
from dermai_desktop.services.clinic import ClinicService
from dermai_desktop.services.diagnoses import DiagnosisCatalog
from dermai_desktop.services.imaging import ImageService
from dermai_desktop.services.imaging_ports import (
    FolderWatchFactory,
    ImageDecoder,
    ImageExporter,
    ImageIngestor,
    ImageStore,
)
from dermai_desktop.services.lesions import LesionService
from dermai_desktop.services.patients import PatientService
from dermai_desktop.services.ports import Clock, PasswordHasher, PasswordPolicy, UnitOfWorkFactory
from dermai_desktop.services.schedule import ScheduleService
from dermai_desktop.services.schedule_export import ScheduleExportService
from dermai_desktop.services.schedule_ports import CalendarWriter
from dermai_desktop.services.settings import SettingsService
from dermai_desktop.services.templates import TemplateService
from dermai_desktop.services.users import UserService


@dataclass(frozen=True)
class Services:
    auth: AuthService
    users: UserService
    audit: AuditService
    settings: SettingsService
    patients: PatientService
    charts: ChartService
    clinic: ClinicService
    chart_lists: ChartListService
    templates: TemplateService
    diagnoses: DiagnosisCatalog
    schedule: ScheduleService
    schedule_export: ScheduleExportService
    lesions: LesionService
    images: ImageService
    analysis: AnalysisService


def build_services(
    *,
    uow_factory: UnitOfWorkFactory,
    hasher: PasswordHasher,
    policy: PasswordPolicy,
    clock: Clock,
    workstation_id: WorkstationId,
    machine: MachineConfig,
    calendar_writer: CalendarWriter | None = None,
    image_store: ImageStore,
    image_ingestor: ImageIngestor,
    image_decoder: ImageDecoder,
    image_exporter: ImageExporter,
    folder_watch_factory: FolderWatchFactory | None = None,
    lesion_analyzer: LesionAnalyzer,
) -> Services:
    """Wire every service to the same adapters; app.py and cli.py call this once."""
    settings = SettingsService(uow_factory, clock, machine)
    schedule = ScheduleService(uow_factory, clock, settings)
    return Services(
        auth=AuthService(uow_factory, hasher, policy, clock, workstation_id, settings),
        users=UserService(uow_factory, hasher, policy, clock),
        audit=AuditService(uow_factory, clock),
        settings=settings,
        patients=PatientService(uow_factory, clock, settings),
        charts=ChartService(uow_factory, clock),
        clinic=ClinicService(uow_factory, hasher, policy, clock),
        chart_lists=ChartListService(uow_factory, clock),
        templates=TemplateService(uow_factory, clock),
        diagnoses=DiagnosisCatalog.bundled(),
        schedule=schedule,
        schedule_export=ScheduleExportService(uow_factory, clock, settings, calendar_writer),
        lesions=LesionService(uow_factory, clock, schedule),
        images=ImageService(
            uow_factory,
            clock,
            image_store,
            image_ingestor,
            image_decoder,
            image_exporter,
            settings=settings,
            folder_watch_factory=folder_watch_factory,
        ),
        analysis=AnalysisService(uow_factory, clock, image_store, lesion_analyzer),
    )


__all__ = ["Services", "build_services"]
