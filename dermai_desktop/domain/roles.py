"""Roles, operations and the one permission matrix the service layer enforces.

The matrix is the single source of truth: services call ``require`` before
doing anything, the README prints ``PERMISSIONS`` and a test walks every cell.
Hiding a button in the UI is a courtesy, never the control.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    DERMATOLOGIST = "dermatologist"
    FRONT_DESK = "front_desk"
    MANAGER = "manager"
    IT_ADMIN = "it_admin"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.DERMATOLOGIST: "Dermatologist",
    Role.FRONT_DESK: "Front desk",
    Role.MANAGER: "Clinic manager",
    Role.IT_ADMIN: "IT administrator",
}


class Operation(StrEnum):
    """Everything a service can be asked to do that needs a permission."""

    USER_VIEW = "user.view"
    USER_MANAGE = "user.manage"
    AUDIT_VERIFY = "audit.verify"
    AUDIT_EXPORT = "audit.export"
    SETTINGS_VIEW = "settings.view"
    SETTINGS_CHANGE = "settings.change"
    PATIENT_REGISTER = "patient.register"
    DEMOGRAPHICS_VIEW = "demographics.view"
    DEMOGRAPHICS_EDIT = "demographics.edit"
    CHART_VIEW = "chart.view"
    CHART_EDIT = "chart.edit"
    NOTE_SIGN = "note.sign"
    DATABASE_MAINTAIN = "database.maintain"
    SCHEDULE_VIEW = "schedule.view"
    SCHEDULE_EDIT = "schedule.edit"
    SCHEDULE_CONFIGURE = "schedule.configure"
    TEMPLATES_MANAGE = "templates.manage"
    IMAGE_VIEW = "image.view"
    IMAGE_EDIT = "image.edit"
    IMAGE_EXPORT = "image.export"
    ANALYSIS_RUN = "analysis.run"
    PATHOLOGY_RECORD = "pathology.record"
    ANALYSIS_VALIDATION = "analysis.validation"


D, F, M, I = Role.DERMATOLOGIST, Role.FRONT_DESK, Role.MANAGER, Role.IT_ADMIN  # noqa: E741 - matrix shorthand

#: operation -> roles allowed. Clinical content (charts, notes, images) is for
#: clinicians only; front desk works with demographics and the schedule;
#: managers run the clinic; IT keeps the machine healthy but sees no patients.
PERMISSIONS: dict[Operation, frozenset[Role]] = {
    Operation.USER_VIEW: frozenset({M, I}),
    Operation.USER_MANAGE: frozenset({M}),
    Operation.AUDIT_VERIFY: frozenset({M, I}),
    Operation.AUDIT_EXPORT: frozenset({M}),
    Operation.SETTINGS_VIEW: frozenset({D, F, M, I}),
    Operation.SETTINGS_CHANGE: frozenset({M, I}),
    Operation.PATIENT_REGISTER: frozenset({D, F}),
    Operation.DEMOGRAPHICS_VIEW: frozenset({D, F, M}),
    Operation.DEMOGRAPHICS_EDIT: frozenset({D, F}),
    Operation.CHART_VIEW: frozenset({D}),
    Operation.CHART_EDIT: frozenset({D}),
    Operation.NOTE_SIGN: frozenset({D}),
    Operation.DATABASE_MAINTAIN: frozenset({I}),
    # The schedule is the front desk's; clinicians and managers work it too.
    Operation.SCHEDULE_VIEW: frozenset({D, F, M}),
    Operation.SCHEDULE_EDIT: frozenset({D, F, M}),
    # Appointment types, opening and working hours, holidays: the manager's.
    Operation.SCHEDULE_CONFIGURE: frozenset({M}),
    Operation.TEMPLATES_MANAGE: frozenset({M}),
    # Lesion photographs are clinical content: seen, measured and sent out by clinicians
    # only (import, measure, annotate, calibrate, consent and alignment are "edit").
    Operation.IMAGE_VIEW: frozenset({D}),
    Operation.IMAGE_EDIT: frozenset({D}),
    Operation.IMAGE_EXPORT: frozenset({D}),
    # Lesion analysis supports the dermatologist only; pathology comes back to them too.
    # The manager sees aggregate model-vs-pathology counts, never a patient's result.
    Operation.ANALYSIS_RUN: frozenset({D}),
    Operation.PATHOLOGY_RECORD: frozenset({D}),
    Operation.ANALYSIS_VALIDATION: frozenset({D, M}),
}


def is_allowed(role: Role, operation: Operation) -> bool:
    """Whether ``role`` may perform ``operation`` according to the matrix."""
    return role in PERMISSIONS[operation]


def permission_table_markdown() -> str:
    """The matrix as a Markdown table (printed in the README)."""
    roles = list(Role)
    header = "| Operation | " + " | ".join(r.label for r in roles) + " |"
    rule = "|---|" + "---|" * len(roles)
    rows = [
        f"| `{op.value}` | " + " | ".join("yes" if is_allowed(r, op) else "—" for r in roles) + " |"
        for op in Operation
    ]
    return "\n".join([header, rule, *rows])
