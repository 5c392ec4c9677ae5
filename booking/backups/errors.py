"""The one error of backups and restores: its message is shown to the operator as it is."""
from __future__ import annotations


class BackupError(Exception):
    """A backup or restore that did not happen, with what to do about it."""
