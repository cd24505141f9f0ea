"""Note templates: shipped as JSON, seeded into the database, kept by a manager.

Bundled templates are seeded by key the first time anyone lists templates (and
again after an upgrade adds new ones). A key is never seeded twice, so a
manager's edits - or a retired template - survive every upgrade.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.chart_lists import (
    NoteTemplate,
    TemplateDraft,
    TemplateId,
    TemplateSource,
    template_key,
    validate_template,
)
from dermai_desktop.domain.errors import NotFound, ValidationFailed
from dermai_desktop.domain.roles import Operation, is_allowed
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.diagnoses import resources_dir
from dermai_desktop.services.dto import NoteText
from dermai_desktop.services.permissions import Gatekeeper, audit
from dermai_desktop.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

_SECTIONS = ("subjective", "objective", "assessment", "plan")


def load_template_file(path: Path) -> tuple[str, TemplateDraft]:
    """One bundled template: ``(key, draft)``. Sections may be strings or lists of lines."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("key"), str):
        raise ValueError(f"{path.name}: a template needs a string 'key'")

    def section(name: str) -> str:
        value = data.get(name, "")
        if isinstance(value, list):
            return "\n".join(str(line) for line in value)
        return str(value)

    codes = data.get("suggested_codes", [])
    draft = TemplateDraft(
        name=str(data.get("name", "")),
        description=str(data.get("description", "")),
        subjective=section("subjective"),
        objective=section("objective"),
        assessment=section("assessment"),
        plan=section("plan"),
        suggested_codes=tuple(str(c) for c in codes),
    )
    return data["key"], validate_template(draft)


def load_bundled_templates(directory: Path) -> tuple[tuple[str, TemplateDraft], ...]:
    """Every ``*.json`` template in ``directory``, sorted by file name."""
    loaded = tuple(load_template_file(p) for p in sorted(directory.glob("*.json")))
    keys = [key for key, _ in loaded]
    if len(set(keys)) != len(keys):
        raise ValueError("two bundled note templates share a key")
    return loaded


@cache
def bundled_templates() -> tuple[tuple[str, TemplateDraft], ...]:
    """The templates shipped in ``resources/note_templates`` (read once per process)."""
    return load_bundled_templates(resources_dir() / "note_templates")


def note_text(template: NoteTemplate | TemplateDraft) -> NoteText:
    """The SOAP text a new note starts from when a clinician picks ``template``."""
    return NoteText(
        subjective=template.subjective,
        objective=template.objective,
        assessment=template.assessment,
        plan=template.plan,
    )


class TemplateService:
    """Clinicians pick templates; managers (TEMPLATES_MANAGE) write and retire them."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        bundled: Sequence[tuple[str, TemplateDraft]] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._gate = Gatekeeper(uow_factory, clock)
        self._bundled = tuple(bundled) if bundled is not None else None

    def _bundled_list(self) -> tuple[tuple[str, TemplateDraft], ...]:
        return self._bundled if self._bundled is not None else bundled_templates()

    def list_templates(self, actor: Actor, *, include_inactive: bool = False) -> list[NoteTemplate]:
        """Templates by name; retired ones only for managers who ask for them."""
        # Clinicians use templates, managers keep them; nobody else needs them.
        if not is_allowed(actor.role, Operation.TEMPLATES_MANAGE):
            self._gate.require(actor, Operation.CHART_EDIT, entity_type="note_template")
            include_inactive = False
        with self._uow_factory(actor) as uow:
            seeded = self._seed(uow, actor)
            templates = uow.templates.list(include_inactive)
            if seeded:
                uow.commit()
        return templates

    def get_template(self, actor: Actor, template_id: TemplateId) -> NoteTemplate:
        if not is_allowed(actor.role, Operation.TEMPLATES_MANAGE):
            self._gate.require(
                actor, Operation.CHART_EDIT, entity_type="note_template", entity_id=template_id
            )
        with self._uow_factory(actor) as uow:
            return self._get(uow, template_id)

    def create_template(self, actor: Actor, draft: TemplateDraft) -> NoteTemplate:
        self._gate.require(actor, Operation.TEMPLATES_MANAGE, entity_type="note_template")
        clean = validate_template(draft)
        with self._uow_factory(actor) as uow:
            self._seed(uow, actor)
            self._refuse_duplicate_name(uow, clean.name, None)
            key = self._free_key(uow, template_key(clean.name))
            template = uow.templates.add(key, clean, TemplateSource.CUSTOM)
            self._audit(uow, actor, AuditAction.CREATE, template.id)
            uow.commit()
        return template

    def update_template(
        self,
        actor: Actor,
        template_id: TemplateId,
        draft: TemplateDraft,
        expected_version: int,
    ) -> NoteTemplate:
        self._gate.require(
            actor, Operation.TEMPLATES_MANAGE, entity_type="note_template", entity_id=template_id
        )
        clean = validate_template(draft)
        with self._uow_factory(actor) as uow:
            current = self._get(uow, template_id)
            _check_version(current, expected_version)
            self._refuse_duplicate_name(uow, clean.name, template_id)
            template = uow.templates.update(template_id, clean, expected_version)
            self._audit(uow, actor, AuditAction.UPDATE, template_id)
            uow.commit()
        return template

    def retire_template(
        self, actor: Actor, template_id: TemplateId, expected_version: int
    ) -> NoteTemplate:
        """Hide a template from the picker; notes written from it are untouched."""
        return self._set_active(actor, template_id, expected_version, active=False)

    def restore_template(
        self, actor: Actor, template_id: TemplateId, expected_version: int
    ) -> NoteTemplate:
        return self._set_active(actor, template_id, expected_version, active=True)

    def reset_template(
        self, actor: Actor, template_id: TemplateId, expected_version: int
    ) -> NoteTemplate:
        """Put a bundled template's shipped text back, undoing local edits."""
        self._gate.require(
            actor, Operation.TEMPLATES_MANAGE, entity_type="note_template", entity_id=template_id
        )
        with self._uow_factory(actor) as uow:
            current = self._get(uow, template_id)
            _check_version(current, expected_version)
            shipped = dict(self._bundled_list()).get(current.key)
            if current.source is not TemplateSource.BUNDLED or shipped is None:
                raise ValidationFailed(
                    "Only a template shipped with DermAI can be reset.",
                    "Edit this template instead.",
                )
            template = uow.templates.update(template_id, shipped, expected_version)
            self._audit(uow, actor, AuditAction.UPDATE, template_id, "reset")
            uow.commit()
        return template

    # --- internals --------------------------------------------------------------------

    def _set_active(
        self, actor: Actor, template_id: TemplateId, expected_version: int, *, active: bool
    ) -> NoteTemplate:
        self._gate.require(
            actor, Operation.TEMPLATES_MANAGE, entity_type="note_template", entity_id=template_id
        )
        with self._uow_factory(actor) as uow:
            current = self._get(uow, template_id)
            _check_version(current, expected_version)
            if current.active == active:
                return current
            template = uow.templates.set_active(template_id, active, expected_version)
            self._audit(
                uow, actor, AuditAction.UPDATE, template_id, "restored" if active else "retired"
            )
            uow.commit()
        return template

    def _seed(self, uow: UnitOfWork, actor: Actor) -> int:
        """Add bundled templates whose key was never stored; returns how many."""
        bundled = self._bundled_list()
        known = uow.templates.keys()
        added = 0
        for key, draft in bundled:
            if key in known:
                continue
            template = uow.templates.add(key, draft, TemplateSource.BUNDLED)
            self._audit(uow, actor, AuditAction.CREATE, template.id, "seeded")
            added += 1
        if added:
            log.info("seeded %d bundled note templates", added)
        return added

    @staticmethod
    def _get(uow: UnitOfWork, template_id: TemplateId) -> NoteTemplate:
        template = uow.templates.get(template_id)
        if template is None:
            raise NotFound("That note template does not exist.")
        return template

    @staticmethod
    def _refuse_duplicate_name(uow: UnitOfWork, name: str, own_id: TemplateId | None) -> None:
        for other in uow.templates.list(True):
            if other.id != own_id and other.name.casefold() == name.casefold():
                raise ValidationFailed(
                    "Another template already has that name.", "Choose a different name."
                )

    @staticmethod
    def _free_key(uow: UnitOfWork, base: str) -> str:
        known = uow.templates.keys()
        key, n = base, 2
        while key in known:
            key, n = f"{base}_{n}", n + 1
        return key

    def _audit(
        self,
        uow: UnitOfWork,
        actor: Actor,
        action: AuditAction,
        template_id: str,
        detail: str = "",
    ) -> None:
        audit(
            uow,
            self._clock,
            actor,
            action,
            entity_type="note_template",
            entity_id=template_id,
            detail=detail,
        )


def _check_version(current: NoteTemplate, expected: int) -> None:
    if current.version != expected:
        raise ValidationFailed(
            "Someone else changed this template while you were editing.",
            "Reopen it to see the latest version, then make your change again.",
        )


__all__ = [
    "TemplateService",
    "bundled_templates",
    "load_bundled_templates",
    "load_template_file",
    "note_text",
]
