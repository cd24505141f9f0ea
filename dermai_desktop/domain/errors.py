"""Expected errors: things that go wrong in the world, not bugs.

Each carries a plain-language message and a next step a person can take.
Messages never contain patient data: they are shown in dialogs, written to
logs and may reach an error report.
"""

from __future__ import annotations


class ExpectedError(Exception):
    """An error the user can understand and act on; never a bug."""

    title = "Something needs your attention"
    default_message = "The operation could not be completed."
    default_next_step = ""

    def __init__(self, message: str | None = None, next_step: str | None = None) -> None:
        self.message = message or self.default_message
        self.next_step = next_step if next_step is not None else self.default_next_step
        super().__init__(self.message)

    def user_text(self) -> str:
        """The message and next step as one paragraph for a dialog or console."""
        return f"{self.message} {self.next_step}".strip()


# --- authentication and sessions -------------------------------------------------


class AuthenticationFailed(ExpectedError):
    title = "Sign-in failed"
    default_message = "The user name or password is not correct."
    default_next_step = "Check caps lock and try again."


class AccountLocked(ExpectedError):
    title = "Account locked"
    default_message = "Too many failed sign-in attempts."

    def __init__(self, seconds_remaining: int) -> None:
        self.seconds_remaining = seconds_remaining
        minutes, seconds = divmod(max(seconds_remaining, 0), 60)
        wait = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
        super().__init__(
            "Too many failed sign-in attempts for this account.",
            f"Try again in {wait}, or ask a manager to reset the password.",
        )


class AccountDisabled(ExpectedError):
    title = "Account disabled"
    default_message = "This account has been disabled."
    default_next_step = "Ask a clinic manager to re-enable it."


class PermissionDenied(ExpectedError):
    title = "Not permitted"
    default_message = "Your role does not allow this action."
    default_next_step = "Ask a colleague with the right role, or a manager."


class WeakPassword(ExpectedError):
    title = "Choose a stronger password"
    default_message = "This password is too easy to guess."
    default_next_step = "Use at least 12 characters; a few unrelated words work well."


class ValidationFailed(ExpectedError):
    title = "Please check the form"
    default_message = "Some of the information entered is not valid."


class NotFound(ExpectedError):
    title = "Not found"
    default_message = "The record could not be found."
    default_next_step = "It may have been removed; refresh and try again."


class SignedContentLocked(ExpectedError):
    title = "Signed note"
    default_message = "A signed note cannot be changed."
    default_next_step = "Add an addendum to correct or complete it."


# --- keys and the database --------------------------------------------------------


class KeychainUnavailable(ExpectedError):
    title = "Keychain unavailable"
    default_message = "The system keychain could not give the database key."
    default_next_step = "Unlock with the clinic recovery key, or ask IT to check the keychain."


class KeychainBackendChanged(KeychainUnavailable):
    default_message = "The system keychain is not the one this workstation was set up with."
    default_next_step = (
        "Unlock with the clinic recovery key; the keychain will be re-linked afterwards."
    )


class WrongRecoveryKey(ExpectedError):
    title = "Recovery key not accepted"
    default_message = "That recovery key does not open this clinic's database."
    default_next_step = (
        "Check the printed recovery sheet and type all 32 characters; dashes are optional."
    )


class DatabaseNotFound(ExpectedError):
    title = "No clinic here"
    default_message = "No clinic database was found in the data directory."
    default_next_step = "Run the first-time set-up, or point --data-dir at the right folder."


class ClinicAlreadyExists(ExpectedError):
    title = "Clinic already set up"
    default_message = "A clinic database already exists in this data directory."
    default_next_step = "Open it instead; a second clinic needs its own data directory."


class DatabaseCorrupt(ExpectedError):
    title = "Database damaged"
    default_message = "The clinic database is damaged and cannot be read safely."
    default_next_step = "Nothing was changed. Restore the latest backup or call IT."


class DatabaseNotEncrypted(ExpectedError):
    title = "Unencrypted database refused"
    default_message = "The database file is a plain, unencrypted SQLite file."
    default_next_step = (
        "Patient data must be encrypted; restore the clinic's own database or call IT."
    )


class ForeignDatabase(ExpectedError):
    title = "Database belongs elsewhere"
    default_message = "This database file does not belong to this workstation's key."
    default_next_step = "It may be from another clinic; restore this clinic's database or call IT."


class SchemaTooNew(ExpectedError):
    title = "Newer database"
    default_message = "This database was written by a newer version of DermAI Desktop."
    default_next_step = "Install the newer version; nothing was changed."


class DiskFull(ExpectedError):
    title = "Disk full"
    default_message = "The disk is full, so the change could not be saved. Nothing was lost."
    default_next_step = "Free some disk space and try again."


class ReadOnlyLocation(ExpectedError):
    title = "Cannot write"
    default_message = "The data directory cannot be written to."
    default_next_step = (
        "Ask IT to give this account write access, or choose another data directory."
    )


class DatabaseBusy(ExpectedError):
    title = "Database busy"
    default_message = "The database is busy with another task."
    default_next_step = "Wait a moment and try again."


class ConfigurationError(ExpectedError):
    title = "Configuration problem"
    default_message = "The configuration file could not be read."
    default_next_step = "Ask IT to check the machine-wide configuration file."
