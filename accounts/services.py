"""Writes on staff accounts: one transaction each, `by` the person who acts."""

from __future__ import annotations

import logging

from axes.utils import reset as reset_attempts
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from accounts.auth import normalize_username

logger = logging.getLogger("passbook.security")


@transaction.atomic
def unlock(*, user: AbstractBaseUser, by: AbstractBaseUser) -> int:
    """Deletes the user's failed logins so they can log in again at once; returns how many
    were removed."""
    removed = reset_attempts(username=normalize_username(user.get_username()))
    logger.info(
        "login unlocked: %r by %r (%s failures removed)",
        user.get_username(),
        by.get_username(),
        removed,
    )
    return removed
