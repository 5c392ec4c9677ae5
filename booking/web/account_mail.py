"""Mail about a login account (an invitation, a password-reset link), sent straight away through
the app's mail channel. It belongs to no booking, so it does not go through the booking outbox:
a mail server that is down means the person asks again, nothing is queued."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from flask import current_app

from booking.clock import utcnow
from booking.models import User
from booking.notify.channels import MailTransport


def account_email(user: User, subject: str, paragraphs: list[str]) -> EmailMessage:
    """A plain-text mail to the account's address from the business (MAIL_FROM's address)."""
    sender = current_app.config["MAIL_FROM"]
    address = parseaddr(sender)[1] or sender
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = formataddr((user.business.name, address))
    message["To"] = formataddr((user.name, user.email))
    message["Message-ID"] = make_msgid(domain=address.rpartition("@")[2] or None)
    message["Date"] = format_datetime(utcnow())
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n\n".join(paragraphs) + "\n")
    return message


def send_account_email(message: EmailMessage) -> None:
    """Hand the mail to the SMTP server now; DeliveryError when it cannot take it."""
    with MailTransport(current_app.config) as transport:
        transport.send(message)
