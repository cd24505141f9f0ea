"""Note templates (bundled, seeded, manager-kept) and the ICD-10 catalogue search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.chart_lists import (
    ChartListValidationFailed,
    Diagnosis,
    TemplateDraft,
    TemplateId,
    TemplateSource,
    template_key,
)
from dermai_desktop.domain.errors import NotFound, PermissionDenied, ValidationFailed
from dermai_desktop.domain.roles import Role
from dermai_desktop.services.diagnoses import DiagnosisCatalog
from dermai_desktop.services.templates import (
    TemplateService,
    bundled_templates,
    load_bundled_templates,
    load_template_file,
    note_text,
)
from tests.unit.conftest import World

REQUIRED = {
    "full_skin_examination",
    "acne_follow_up",
    "psoriasis_review",
    "eczema_review",
    "biopsy_excision_procedure",
    "cosmetic_consultation",
}


# --- bundled data -----------------------------------------------------------------------


def test_bundled_templates_cover_the_common_visits_and_code_known_diagnoses() -> None:
    bundled = dict(bundled_templates())
    assert set(bundled) >= REQUIRED
    catalog = DiagnosisCatalog.bundled()
    for key, template in bundled.items():
        assert all(s.strip() for s in (template.subjective, template.objective)), key
        assert all(s.strip() for s in (template.assessment, template.plan)), key
        assert template.suggested_codes, key
        assert all(code in catalog for code in template.suggested_codes), key


def test_bundled_icd10_subset_is_real_and_clean() -> None:
    catalog = DiagnosisCatalog.bundled()
    assert 200 <= len(catalog) <= 400
    for code, title in [
        ("L57.0", "Actinic keratosis"),
        ("L40.0", "Psoriasis vulgaris"),
        ("C43.5", "Malignant melanoma of trunk"),
        ("L20.9", "Atopic dermatitis, unspecified"),
        ("B07", "Viral warts"),
        ("Q82.5", "Congenital non-neoplastic naevus"),
        ("T78.4", "Allergy, unspecified"),
        ("L80", "Vitiligo"),
        ("L82", "Seborrhoeic keratosis"),
    ]:
        found = catalog.get(code)
        assert found is not None
        assert found.title == title
    for prefix in ("C44.", "D22.", "D23.", "B35.", "B36.", "L70.", "L71.", "L73."):
        assert any(d.code.startswith(prefix) for d in catalog.all()), prefix


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("L40.5", "L40.5"),
        ("l405", "L40.5"),
        (" L40 ", "L40.0"),
        ("psoriasis vulgaris", "L40.0"),
        ("vulgaris psor", "L40.0"),
        ("melanoma trunk", "C43.5"),
        ("actinic ker", "L57.0"),
        ("Sezary", "C84.1"),  # accents optional
        ("acne excoriee", "L70.5"),
    ],
)
def test_search_by_code_and_words(query: str, first: str) -> None:
    results = DiagnosisCatalog.bundled().search(query)
    assert results
    assert results[0].code == first


@pytest.mark.parametrize(
    "query",
    ["", "   ", '" OR 1=1 --', "NEAR(", "*", "x" * 10_000, "\U0001f9b6", "\u05e2\u05d5\u05e8"],
)
def test_search_survives_hostile_input(query: str) -> None:
    assert DiagnosisCatalog.bundled().search(query) == []


def test_search_limit_and_code_prefix_ordering() -> None:
    catalog = DiagnosisCatalog.bundled()
    hits = catalog.search("L40", limit=3)
    assert [d.code for d in hits] == ["L40.0", "L40.1", "L40.2"]
    assert catalog.search("L40", limit=0) == []
    assert "l57.0" in catalog
    assert 42 not in catalog
    assert catalog.get("") is None


def test_catalogue_rejects_duplicates_and_reads_csv(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="duplicate"):
        DiagnosisCatalog([Diagnosis("L80", "Vitiligo"), Diagnosis("L80", "Vitiligo")])
    path = tmp_path / "codes.csv"
    path.write_text("code,title,chapter\nl800,Something,Skin\n,skipped,\n", encoding="utf-8")
    catalog = DiagnosisCatalog.from_csv(path)
    assert [d.code for d in catalog.all()] == ["L80.0"]


def test_template_files_are_validated(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"name": "no key"}), encoding="utf-8")
    with pytest.raises(ValueError, match="key"):
        load_bundled_templates(tmp_path)
    (tmp_path / "a.json").write_text(
        json.dumps({"key": "k", "name": "A", "plan": "x", "suggested_codes": ["l80"]}),
        encoding="utf-8",
    )
    (tmp_path / "b.json").write_text(
        json.dumps({"key": "k", "name": "B", "plan": ["line 1", "line 2"]}), encoding="utf-8"
    )
    with pytest.raises(ValueError, match="share a key"):
        load_bundled_templates(tmp_path)
    key, draft = load_template_file(tmp_path / "b.json")
    assert (key, draft.plan) == ("k", "line 1\nline 2")
    assert load_template_file(tmp_path / "a.json")[1].suggested_codes == ("L80",)


def test_template_key_slugs() -> None:
    assert template_key("Mohs follow-up (2 wk)") == "mohs_follow_up_2_wk"
    assert template_key("\U0001f9b6") == "template"


# --- the service --------------------------------------------------------------------------


BUNDLED = (
    ("skin_check", TemplateDraft("Skin check", subjective="Concern:", suggested_codes=("L82",))),
    ("acne", TemplateDraft("Acne follow-up", plan="Review 8 weeks")),
)


@pytest.fixture
def svc(world: World) -> TemplateService:
    return TemplateService(world.db, world.clock, BUNDLED)


def test_first_listing_seeds_once_and_is_audited(world: World, svc: TemplateService) -> None:
    derm = world.actors[Role.DERMATOLOGIST]
    templates = svc.list_templates(derm)
    assert [t.name for t in templates] == ["Acne follow-up", "Skin check"]
    assert all(t.source is TemplateSource.BUNDLED for t in templates)
    seeded = [e for e in world.db.events(AuditAction.CREATE) if e.detail == "seeded"]
    assert len(seeded) == 2
    assert all(e.entity_type == "note_template" for e in seeded)
    commits = world.db.commits
    assert svc.list_templates(derm) == templates
    assert world.db.commits == commits  # nothing to seed: a pure read
    assert note_text(templates[1]).subjective == "Concern:"
    assert svc.get_template(derm, templates[0].id) == templates[0]


def test_manager_edits_retires_restores_and_resets(world: World, svc: TemplateService) -> None:
    mgr, derm = world.actors[Role.MANAGER], world.actors[Role.DERMATOLOGIST]
    skin = next(t for t in svc.list_templates(mgr) if t.key == "skin_check")
    edited = svc.update_template(
        mgr, skin.id, TemplateDraft("Skin check", subjective="Concern:\nHistory:"), 1
    )
    assert edited.subjective == "Concern:\nHistory:"
    assert edited.version == 2
    retired = svc.retire_template(mgr, skin.id, 2)
    assert not retired.active
    assert skin.id not in {t.id for t in svc.list_templates(derm)}
    assert skin.id not in {t.id for t in svc.list_templates(derm, include_inactive=True)}
    assert skin.id in {t.id for t in svc.list_templates(mgr, include_inactive=True)}
    # A retired bundled template is never seeded back.
    assert len(svc.list_templates(mgr, include_inactive=True)) == 2
    assert svc.retire_template(mgr, skin.id, retired.version) == retired  # already retired
    restored = svc.restore_template(mgr, skin.id, retired.version)
    reset = svc.reset_template(mgr, skin.id, restored.version)
    assert reset.subjective == "Concern:"
    assert reset.active
    assert [e.detail for e in world.db.events(AuditAction.UPDATE)][-3:] == [
        "retired",
        "restored",
        "reset",
    ]


def test_custom_templates(world: World, svc: TemplateService) -> None:
    mgr = world.actors[Role.MANAGER]
    custom = svc.create_template(
        mgr, TemplateDraft("Mohs follow-up", plan="Wound check", suggested_codes=("c443", "C44.3"))
    )
    assert (custom.key, custom.source, custom.suggested_codes) == (
        "mohs_follow_up",
        TemplateSource.CUSTOM,
        ("C44.3",),
    )
    with pytest.raises(ValidationFailed, match="already has that name"):
        svc.create_template(mgr, TemplateDraft("mohs FOLLOW-UP", plan="x"))
    second = svc.create_template(mgr, TemplateDraft("Mohs follow up", plan="x"))
    assert second.key == "mohs_follow_up_2"
    with pytest.raises(ValidationFailed, match="Only a template shipped"):
        svc.reset_template(mgr, custom.id, 1)
    with pytest.raises(ValidationFailed, match="Someone else"):
        svc.update_template(mgr, custom.id, TemplateDraft("Mohs", plan="y"), 7)
    with pytest.raises(NotFound):
        svc.get_template(mgr, TemplateId("nope"))


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (TemplateDraft("", plan="x"), "name"),
        (TemplateDraft("Empty"), "subjective"),
        (TemplateDraft("x" * 300, plan="x"), "name"),
        (TemplateDraft("Huge", plan="x" * 30_000), "plan"),
        (
            TemplateDraft("Codes", plan="x", suggested_codes=tuple(f"L{n}" for n in range(30))),
            "suggested_codes",
        ),
    ],
)
def test_template_validation(
    world: World, svc: TemplateService, draft: TemplateDraft, field: str
) -> None:
    with pytest.raises(ChartListValidationFailed) as caught:
        svc.create_template(world.actors[Role.MANAGER], draft)
    assert field in caught.value.problems


@pytest.mark.parametrize("role", [Role.DERMATOLOGIST, Role.FRONT_DESK, Role.IT_ADMIN])
def test_only_managers_change_templates(world: World, svc: TemplateService, role: Role) -> None:
    actor = world.actors[role]
    tid = svc.list_templates(world.actors[Role.MANAGER])[0].id
    for call in (
        lambda: svc.create_template(actor, TemplateDraft("X", plan="x")),
        lambda: svc.update_template(actor, tid, TemplateDraft("X", plan="x"), 1),
        lambda: svc.retire_template(actor, tid, 1),
        lambda: svc.restore_template(actor, tid, 1),
        lambda: svc.reset_template(actor, tid, 1),
    ):
        with pytest.raises(PermissionDenied):
            call()


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.IT_ADMIN])
def test_non_clinicians_cannot_read_templates(
    world: World, svc: TemplateService, role: Role
) -> None:
    with pytest.raises(PermissionDenied):
        svc.list_templates(world.actors[role])
    tid = svc.list_templates(world.actors[Role.MANAGER])[0].id
    with pytest.raises(PermissionDenied):
        svc.get_template(world.actors[role], tid)


def test_registry_uses_the_shipped_templates(world: World) -> None:
    names = {t.key for t in world.services.templates.list_templates(world.actors[Role.MANAGER])}
    assert names >= REQUIRED


def test_template_draft_round_trip(world: World, svc: TemplateService) -> None:
    template = svc.list_templates(world.actors[Role.MANAGER])[0]
    assert (
        svc.update_template(
            world.actors[Role.MANAGER], template.id, template.draft(), template.version
        ).draft()
        == template.draft()
    )
