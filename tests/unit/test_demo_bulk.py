"""A large demo: charted patients through the services, the rest in bulk, all searchable."""

from __future__ import annotations

from pathlib import Path

from dermai_desktop.config import MachineConfig
from dermai_desktop.demo import DEMO_ACCOUNTS, demo_gate, open_or_create_demo
from dermai_desktop.paths import ensure_dirs, resolve_paths


def test_registry_patients_beyond_the_full_practice_are_bulk_inserted(tmp_path: Path) -> None:
    paths = resolve_paths(str(tmp_path / "demo"), demo=True)
    ensure_dirs(paths)
    gate = demo_gate(paths, MachineConfig.empty(), fast=True)
    clinic = open_or_create_demo(gate, patients=45, full_practice=5)
    try:
        services = clinic.services
        desk = next(a for a in DEMO_ACCOUNTS if a.username == "frontdesk")
        actor = services.auth.login(desk.username, desk.password)
        ids = services.patients.list_ids(actor)
        assert len(ids) == 45
        summaries = services.patients.summaries(actor, ids)
        mrns = [s.mrn for s in summaries]
        assert len(set(mrns)) == 45  # the clinic's scheme continues, no duplicates
        assert all(m.startswith("DA") for m in mrns)
        bulk = max(summaries, key=lambda s: s.mrn)  # the last one bulk-inserted
        family = bulk.display_name.split(",")[0]  # found through the search index too
        assert bulk.id in {s.id for s in services.patients.search(actor, family, limit=50)}
        manager = services.auth.login(DEMO_ACCOUNTS[0].username, DEMO_ACCOUNTS[0].password)
        assert services.audit.verify(manager).ok
        assert any(e.entity_type == "patient_batch" for e in services.audit.recent(manager))
    finally:
        gate.close()
