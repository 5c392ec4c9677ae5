"""After the visit and about messages: the feedback question, and unsubscribing from reminders.

Both are reached from links in messages (booking.web.urls.CustomerLinks). Unsubscribing also
accepts RFC 8058 one-click POSTs from mail clients, which carry no CSRF token: that view is
exempt from CSRFProtect and checks either the exact one-click body or the form's own token.
"""
from __future__ import annotations


from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError

from booking.clock import utcnow
from booking.extensions import db
from booking.operations.followup import find_feedback, save_feedback, unsubscribe_customer
from booking.web.manage.forms import FeedbackForm, UnsubscribeForm, is_one_click
from booking.web.picker import visitor_zone



def _render(template: str, tz: str, status: int = 200, **extra):
    return render_template(template, business=g.business, booking=g.booking, tz=tz, **extra), status


def _tz(raw: object = None) -> str:
    return visitor_zone(raw or request.args.get("tz"), g.business)


def feedback():
    """GET the question (with the earlier answer filled in); POST stores the answer."""
    if request.method == "GET":
        tz = _tz()
        form = FeedbackForm(obj=find_feedback(g.booking), data={"tz": tz})
    else:
        form = FeedbackForm()
        tz = _tz(form.tz.data)
        g.lang_target = ("manage_page.feedback", {"tz": tz})
    if g.booking.status != "completed":
        return _render("manage/feedback.html", tz, 409, form=None)
    if request.method == "GET" or not form.validate():
        return _render("manage/feedback.html", tz, 200 if request.method == "GET" else 422, form=form)
    now = utcnow()
    try:
        save_feedback(g.booking, form.rating.data, form.comment.data, now)
        db.session.commit()
    except IntegrityError:  # a second tab answered at the same moment: update that answer
        db.session.rollback()
        save_feedback(g.booking, form.rating.data, form.comment.data, now)
        db.session.commit()
    return redirect(url_for("manage_page.feedback_thanks", tz=tz), 303)


def feedback_thanks():
    return _render("manage/feedback_thanks.html", _tz())


def unsubscribe():
    """GET a confirm button; POST from that form (CSRF-checked) or an RFC 8058 one-click POST."""
    if request.method == "GET":
        tz = _tz()
        return _render("manage/unsubscribe.html", tz, form=UnsubscribeForm(data={"tz": tz}),
                       done=g.booking.customer.preferred_channel == "none")
    one_click = is_one_click(request.form.to_dict(flat=False))
    form = UnsubscribeForm()
    if not one_click and not form.validate():
        raise CSRFError(_("The form expired or was sent twice. Please try again."))
    unsubscribe_customer(g.booking, utcnow())
    db.session.commit()
    if one_click:
        return Response(_("You will get no more reminders."), mimetype="text/plain")
    flash(_("Done: you will get no more reminders."))
    return redirect(url_for("manage_page.unsubscribe", tz=_tz(form.tz.data)), 303)
