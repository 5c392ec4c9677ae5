"""An outbox row plus its rendered words become an email (multipart text + HTML, invitation)."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, format_datetime
from datetime import datetime

from booking.notify.messages import RenderedMessage


def compose_email(rendered: RenderedMessage, *, sender: tuple[str, str], to: tuple[str, str], message_id: str,
                  sent_at: datetime, invitation: tuple[bytes, str] | None = None,
                  unsubscribe_url: str | None = None) -> EmailMessage:
    """The MIME message. `invitation` is (ics bytes, METHOD): attached as text/calendar with a
    matching method parameter (RFC 6047), so mail clients offer "add to calendar"."""
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = formataddr(sender)
    message["To"] = formataddr(to)
    message["Message-ID"] = message_id  # the same on every retry: a resend is recognisable
    message["Date"] = format_datetime(sent_at)
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    if invitation is not None:
        body, method = invitation
        message.add_attachment(body, maintype="text", subtype="calendar", filename="invite.ics",
                               params={"method": method, "charset": "utf-8"})
    return message
