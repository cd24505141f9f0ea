"""Use cases: permission checks, audit, orchestration. No Qt, no SQL, no I/O libraries."""
