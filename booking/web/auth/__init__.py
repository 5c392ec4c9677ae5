"""Log in and out (owners and staff), and choose a password: through an invitation's
set-password link, or a reset link after "Forgot your password?"."""
from __future__ import annotations

from booking.web.auth import login, passwords
from booking.web.auth.blueprint import bp
from booking.web.auth.login import safe_next

__all__ = ["bp", "login", "passwords", "safe_next"]
