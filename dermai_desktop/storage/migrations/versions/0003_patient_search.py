"""Patient search: an FTS5 index over names, MRN, phone digits and date of birth.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

The index lives inside the encrypted database (an FTS5 table is ordinary pages
to SQLCipher) and is kept in step with ``patients`` by triggers, so every
writer - the services, the demo's bulk path, a future sync - keeps it right
without knowing it exists. The token rules mirror
``dermai_desktop.domain.patient_search.index_tokens``; change both together.

FTS5 rows use the patient row's ``rowid`` (fast delete on update) and carry the
patient id itself, which is what searches join on: a ``VACUUM`` that renumbered
rowids could leave a stale entry until the next rebuild, never a wrong patient.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

_JOINERS = ("'", "\u2019", "\u02bc", "-", "\u2010", "\u2011")
_PHONE_PUNCTUATION = (" ", "(", ")", "-", ".", "/", "+")
_LETTERS = "abcdefghijklmnopqrstuvwxyz-/ "
_MIN_PHONE_SUFFIX = 6
_MAX_PHONE_DIGITS = 20


def _strip(expression: str, characters: tuple[str, ...]) -> str:
    for ch in characters:
        quoted = ch.replace("'", "''")
        expression = f"replace({expression}, '{quoted}', '')"
    return expression


_NAMES = "NEW.given_name || ' ' || NEW.family_name"
_NAMES_EXPR = f"{_NAMES} || ' ' || {_strip('(' + _NAMES + ')', _JOINERS)}"
_MRN_NUMBER = f"ltrim(lower(NEW.mrn), '{_LETTERS}')"
_MRN_EXPR = f"lower(NEW.mrn) || ' ' || {_MRN_NUMBER} || ' ' || ltrim({_MRN_NUMBER}, '0')"
_PHONE_EXPR = " || ".join(
    ["d"]
    + [
        f"CASE WHEN length(d) >= {k + _MIN_PHONE_SUFFIX - 1} THEN ' ' || substr(d, {k}) ELSE '' END"
        for k in range(2, _MAX_PHONE_DIGITS - _MIN_PHONE_SUFFIX + 2)
    ]
)
_DIGITS = _strip("NEW.phone", _PHONE_PUNCTUATION)

_INSERT_ROW = f"""
    INSERT INTO patient_search (rowid, patient_id, names, mrn, phone, dob)
    SELECT NEW.rowid, NEW.id, {_NAMES_EXPR}, {_MRN_EXPR}, {_PHONE_EXPR},
           replace(NEW.date_of_birth, '-', '')
    FROM (SELECT {_DIGITS} AS d)
    WHERE NEW.deleted_at IS NULL;
"""  # noqa: S608 - built from the constants above; no values

CREATE_INDEX = """
    CREATE VIRTUAL TABLE patient_search USING fts5(
        patient_id UNINDEXED,
        names,
        mrn,
        phone,
        dob,
        tokenize = "unicode61 remove_diacritics 2 categories 'L* N* Co M*'",
        prefix = '1 2 3'
    )
"""

TRIGGERS = (
    f"""
    CREATE TRIGGER patients_search_insert AFTER INSERT ON patients
    BEGIN {_INSERT_ROW} END
    """,
    f"""
    CREATE TRIGGER patients_search_update
    AFTER UPDATE OF given_name, family_name, mrn, phone, date_of_birth, deleted_at ON patients
    BEGIN
        DELETE FROM patient_search WHERE rowid = OLD.rowid;
        {_INSERT_ROW}
    END
    """,  # noqa: S608
    """
    CREATE TRIGGER patients_search_delete AFTER DELETE ON patients
    BEGIN DELETE FROM patient_search WHERE rowid = OLD.rowid; END
    """,
)


def upgrade() -> None:
    op.execute(CREATE_INDEX)
    for statement in TRIGGERS:
        op.execute(statement)
    # Index the patients already registered: touching a watched column fires the
    # update trigger, so the rows are tokenised by exactly the trigger's rules.
    op.execute("UPDATE patients SET mrn = mrn")


def downgrade() -> None:
    for name in ("patients_search_delete", "patients_search_update", "patients_search_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS patient_search")
