"""Workspace forms (CSRF through Flask-WTF)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import AnyOf, InputRequired

# "+5" ... "+30" add to today's reported delay; 0 is "back on time".
DELAY_STEPS = (5, 10, 15, 30)


class DelayForm(FlaskForm):
    """One of the running-late buttons: `step` minutes more, or 0 for back on time."""

    step = IntegerField(validators=[InputRequired(), AnyOf((0, *DELAY_STEPS))])
