"""Qt-free composition: open or create a clinic and wire adapters into services.

``app.py`` (the GUI) and ``cli.py`` both start here. This module is the only
place that holds the database key: it unlocks a key slot, opens the
SQLCipher database, builds the services over it and forgets nothing it does
not need (the key stays only inside the engine's connect hook).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dermai_desktop.analysis import OnnxLesionAnalyzer
from dermai_desktop.config import MachineConfig
from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import (
    ClinicAlreadyExists,
    DatabaseCorrupt,
    DatabaseNotFound,
    ExpectedError,
    KeychainUnavailable,
    ValidationFailed,
)
from dermai_desktop.domain.ids import ClinicId, WorkstationId, new_uuid7
from dermai_desktop.domain.users import system_actor
from dermai_desktop.imaging import (
    EncryptedBlobStore,
    FileImageExporter,
    FolderWatch,
    PillowDecoder,
    PillowIngestor,
)
from dermai_desktop.interop.ical import IcalendarWriter
from dermai_desktop.paths import AppPaths
from dermai_desktop.security.passwords import Argon2PasswordHasher, ZxcvbnPasswordPolicy
from dermai_desktop.services.clinic import ClinicService
from dermai_desktop.services.dto import AuditDraft, ClinicInfo
from dermai_desktop.services.ports import PasswordHasher, PasswordPolicy, UnitOfWorkFactory
from dermai_desktop.services.registry import Services, build_services
from dermai_desktop.services.startup import (
    ClinicSetupRequest,
    ClinicState,
    DemoAccount,
    UnlockedClinic,
)
from dermai_desktop.services.users import check_full_name, check_password, check_username
from dermai_desktop.storage.database import (
    Database,
    audit_key_from_dek,
    create_clinic_database,
    open_database,
    read_db_salt,
)
from dermai_desktop.storage.keychain import KeyStore
from dermai_desktop.storage.keys import (
    DEFAULT_RECOVERY_KDF,
    DEMO_KEY_FILENAME,
    KeySlots,
    RecoveryKdfParams,
    generate_dek,
    generate_recovery_key,
    open_resolving_rekey,
)

log = logging.getLogger(__name__)


class SystemClock:
    """The real clock (UTC). Tests inject their own ``Clock``."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SecurityProfile:
    """Cost parameters: production values, or cheap ones for tests and demos built in CI."""

    hasher: PasswordHasher
    policy: PasswordPolicy
    recovery_kdf: RecoveryKdfParams

    @classmethod
    def production(cls) -> SecurityProfile:
        return cls(Argon2PasswordHasher.production(), ZxcvbnPasswordPolicy(), DEFAULT_RECOVERY_KDF)

    @classmethod
    def fast(cls) -> SecurityProfile:
        """Cheap hashing for the test suite; the password policy stays the real one."""
        return cls(
            Argon2PasswordHasher.cheap(),
            ZxcvbnPasswordPolicy(),
            RecoveryKdfParams(time_cost=1, memory_cost_kib=8, parallelism=1),
        )


@dataclass(frozen=True, slots=True)
class ImageAdapters:
    """The real imaging adapters over one clinic's encrypted image store, and the analyser."""

    store: EncryptedBlobStore
    ingestor: PillowIngestor
    decoder: PillowDecoder
    exporter: FileImageExporter
    analyzer: OnnxLesionAnalyzer

    def as_kwargs(self) -> dict[str, Any]:
        """The ``build_services`` keyword arguments."""
        return {
            "image_store": self.store,
            "image_ingestor": self.ingestor,
            "image_decoder": self.decoder,
            "image_exporter": self.exporter,
            "folder_watch_factory": FolderWatch,
            "lesion_analyzer": self.analyzer,
        }


def image_master_key(uow_factory: UnitOfWorkFactory, workstation_id: WorkstationId) -> bytes:
    """The image store's master key, read from the encrypted database (made on first use).

    It lives only inside the database, so the key slots that unlock the
    database are the only way to it, and a database rekey leaves the images
    as they are.
    """
    with uow_factory(system_actor(workstation_id)) as uow:
        key = uow.images.image_key()
        if key is None:
            key = os.urandom(32)
            uow.images.set_image_key(key)
            uow.commit()
            log.info("image store key created")
    return key


def open_image_adapters(
    images_dir: Path,
    uow_factory: UnitOfWorkFactory,
    workstation_id: WorkstationId,
    analyzer: OnnxLesionAnalyzer | None = None,
) -> ImageAdapters:
    """``analyzer`` is shared across clinic openings so its model sessions load once."""
    return ImageAdapters(
        store=EncryptedBlobStore(images_dir, image_master_key(uow_factory, workstation_id)),
        ingestor=PillowIngestor(),
        decoder=PillowDecoder(),
        exporter=FileImageExporter(),
        analyzer=analyzer or OnnxLesionAnalyzer(),
    )


class LocalClinicGate:
    """Creates or unlocks the clinic stored in one data directory (``ClinicGate``)."""

    def __init__(
        self,
        paths: AppPaths,
        machine: MachineConfig,
        *,
        keystore_factory: Callable[[], KeyStore],
        security: SecurityProfile,
        demo: bool = False,
        demo_accounts: tuple[DemoAccount, ...] = (),
        clock: SystemClock | None = None,
    ) -> None:
        self._paths = paths
        self._machine = machine
        self._keystore_factory = keystore_factory
        self._security = security
        self._demo = demo
        self._demo_accounts = demo_accounts
        self._clock = clock or SystemClock()
        self._database: Database | None = None
        self._image_adapters: ImageAdapters | None = None
        # Cheap to make: the models are verified and loaded on first analysis.
        self._analyzer = OnnxLesionAnalyzer()

    # --- ClinicGate -------------------------------------------------------------------

    def state(self) -> ClinicState:
        if self._paths.db_path.exists() or self._paths.keyslots_path.exists():
            return ClinicState.LOCKED
        return ClinicState.NO_CLINIC

    def validate_setup(self, request: ClinicSetupRequest) -> None:
        for value, what in (
            (request.clinic_name, "clinic name"),
            (request.workstation_name, "workstation name"),
        ):
            if not value.strip():
                raise ValidationFailed(f"The {what} is required.")
        username = check_username(request.manager_username)
        full_name = check_full_name(request.manager_full_name)
        check_password(
            self._security.policy,
            request.manager_password,
            username,
            full_name,
            request.clinic_name,
        )

    def create_clinic(self, request: ClinicSetupRequest) -> tuple[str, UnlockedClinic]:
        """Make the key slots, the encrypted database and the first manager.

        Anything this call created is removed again if a later step fails, so
        set-up can be retried; anything that existed before is never touched.
        """
        self.validate_setup(request)
        if self._paths.keyslots_path.exists() and not self._paths.db_path.exists():
            raise ClinicAlreadyExists(
                "A clinic key file (keyslots.json) is already in this data directory.",
                "Restore its database (clinic.db), or move keyslots.json aside to start again.",
            )
        clinic_id = ClinicId(new_uuid7())
        workstation_id = WorkstationId(new_uuid7())
        dek = generate_dek()
        recovery_key = generate_recovery_key()
        slots = KeySlots.create(
            self._paths.keyslots_path,
            dek,
            clinic_id,
            keystore=None if self._demo else self._keystore_factory(),
            recovery_key=recovery_key,
            demo=self._demo,
            recovery_params=self._security.recovery_kdf,
            database_path=self._paths.db_path,
        )
        try:
            create_clinic_database(self._paths.data_dir, dek)
            slots.set_db_salt(read_db_salt(self._paths.db_path))
            database = open_database(self._paths.data_dir, dek, expected_salt=slots.db_salt)
            services = self._services_for(database, dek, workstation_id)
            services.clinic.setup_clinic(
                clinic_id,
                request.clinic_name,
                workstation_id,
                request.workstation_name,
                request.manager_username,
                request.manager_full_name,
                request.manager_password,
                is_demo=self._demo,
            )
        except BaseException:
            self.close()
            self._remove_half_made_clinic(slots)
            raise
        self._database = database
        log.info("clinic created: clinic=%s workstation=%s", clinic_id, workstation_id)
        return recovery_key, self._unlocked(services)

    def unlock(self) -> UnlockedClinic:
        slots = self._load_slots()
        if slots.is_demo:
            return self._open(slots, lambda pending: slots.unlock_with_demo_key(pending=pending))
        keystore = self._keystore_factory()
        return self._open(
            slots, lambda pending: slots.unlock_with_keychain(keystore, pending=pending)
        )

    def unlock_with_recovery_key(self, recovery_key: str) -> UnlockedClinic:
        slots = self._load_slots()
        opened_with: list[bytes] = []

        def unlock(pending: bool) -> bytes:
            dek = slots.unlock_with_recovery_key(recovery_key, pending=pending)
            opened_with.append(dek)
            return dek

        unlocked = self._open(slots, unlock)
        if not slots.is_demo:
            self._relink_keychain(slots, opened_with[-1])
        return unlocked

    # --- for the CLI --------------------------------------------------------------------

    @property
    def database(self) -> Database:
        if self._database is None:
            raise RuntimeError("the clinic is not unlocked")
        return self._database

    @property
    def image_adapters(self) -> ImageAdapters:
        """The imaging adapters of the unlocked clinic (the demo seeder reuses them)."""
        if self._image_adapters is None:
            raise RuntimeError("the clinic is not unlocked")
        return self._image_adapters

    @property
    def paths(self) -> AppPaths:
        return self._paths

    def rekey(self, recovery_key: str) -> str:
        """Change the database key (``db rekey``); return the new key id.

        Crash-safe order: the new key is first staged in the slot file under
        every unlock method, then the database is rekeyed, then the staged key
        is promoted. ``_open`` finishes the job if a crash interrupts it.
        """
        slots = self._load_slots()
        current = slots.unlock_with_recovery_key(recovery_key)  # proves who is asking
        self._open(slots, lambda pending: current)
        database = self.database
        keystore = (
            None if slots.is_demo or not slots.has_keychain_slot else self._keystore_factory()
        )
        new_dek = generate_dek()
        slots.stage_rekey(current, new_dek, keystore, recovery_key)
        database.rekey(new_dek)
        slots.commit_rekey()
        info = ClinicService(
            database.unit_of_work_factory(audit_key_from_dek(new_dek)),
            self._security.hasher,
            self._security.policy,
            self._clock,
        ).info()
        workstation = info.workstation_id if info else WorkstationId("unknown")
        actor = system_actor(workstation)
        with database.unit_of_work_factory(audit_key_from_dek(new_dek))(actor) as uow:
            uow.audit.append(
                AuditDraft(
                    occurred_at=self._clock.now(),
                    user_id=actor.user_id,
                    username=actor.username,
                    role=actor.role.value,
                    workstation_id=workstation,
                    action=AuditAction.KEY_CHANGE,
                    entity_type="database",
                    entity_id=slots.key_id,
                )
            )
            uow.commit()
        log.info("database key changed: key=%s", slots.key_id)
        return slots.key_id

    def close(self) -> None:
        if self._database is not None:
            self._database.close()
            self._database = None
        self._image_adapters = None

    # --- internals --------------------------------------------------------------------

    def _load_slots(self) -> KeySlots:
        if self._paths.keyslots_path.exists() and not self._paths.db_path.exists():
            raise DatabaseNotFound(
                "The clinic's key file is here but its database (clinic.db) is missing.",
                "Restore clinic.db from the latest backup. If setting up this clinic was "
                "interrupted, move keyslots.json aside and set the clinic up again.",
            )
        if self._paths.db_path.exists() and not self._paths.keyslots_path.exists():
            raise DatabaseCorrupt(
                "The key file that belongs beside the clinic database is missing.",
                "Restore it from the latest backup, or call IT. Nothing was changed.",
            )
        return KeySlots.load(self._paths.keyslots_path)

    def _open(self, slots: KeySlots, unlock: Callable[[bool], bytes]) -> UnlockedClinic:
        """Open with the current key; after a crash mid-rekey, finish or undo the change."""
        self.close()
        database, dek = open_resolving_rekey(
            slots,
            unlock,
            lambda key: open_database(self._paths.data_dir, key, expected_salt=slots.db_salt),
        )
        info = ClinicService(
            database.unit_of_work_factory(audit_key_from_dek(dek)),
            self._security.hasher,
            self._security.policy,
            self._clock,
        ).info()
        if info is None:
            database.close()
            raise DatabaseCorrupt(
                "The clinic database has no clinic record.",
                "Set-up may have been interrupted; restore a backup or call IT.",
            )
        self._database = database
        return self._unlocked(self._services_for(database, dek, info.workstation_id))

    def _services_for(
        self, database: Database, dek: bytes, workstation_id: WorkstationId
    ) -> Services:
        uow_factory = database.unit_of_work_factory(audit_key_from_dek(dek))
        images = open_image_adapters(
            self._paths.images_dir, uow_factory, workstation_id, self._analyzer
        )
        self._image_adapters = images
        return build_services(
            uow_factory=uow_factory,
            hasher=self._security.hasher,
            policy=self._security.policy,
            clock=self._clock,
            workstation_id=workstation_id,
            machine=self._machine,
            calendar_writer=IcalendarWriter(),
            **images.as_kwargs(),
        )

    def _unlocked(self, services: Services) -> UnlockedClinic:
        info: ClinicInfo | None = services.clinic.info()
        if info is None:  # pragma: no cover - checked by the callers
            raise DatabaseCorrupt()
        return UnlockedClinic(
            services=services,
            clinic_name=info.name,
            workstation_name=info.workstation_name,
            is_demo=info.is_demo,
            demo_accounts=self._demo_accounts if info.is_demo else (),
        )

    def _relink_keychain(self, slots: KeySlots, dek: bytes) -> None:
        """After a recovery unlock, store a fresh keychain key so next time is automatic."""
        try:
            slots.relink_keychain(dek, self._keystore_factory())
        except KeychainUnavailable as exc:
            # The clinic is open; the keychain stays unlinked until it works again.
            log.warning("keychain could not be re-linked: %s", type(exc).__name__)
        else:
            log.info("keychain re-linked after a recovery-key unlock")

    def _remove_half_made_clinic(self, slots: KeySlots) -> None:
        for path in (
            self._paths.db_path,
            Path(f"{self._paths.db_path}-wal"),
            Path(f"{self._paths.db_path}-shm"),
            slots.path,
            slots.path.parent / DEMO_KEY_FILENAME,
        ):
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:  # pragma: no cover - best effort after a failure
                log.warning("could not remove %s after a failed set-up: %s", path.name, exc)


def describe_expected(exc: ExpectedError) -> str:
    """One line for a console: the plain message and the next step."""
    return exc.user_text()
