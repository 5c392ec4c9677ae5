"""Where messages leave: SMTP (or the log when no SMTP server is set) and the SMS webhook."""
from __future__ import annotations

import io
import json
import logging
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from email.generator import BytesGenerator
from email.message import EmailMessage
from typing import Any

log = logging.getLogger(__name__)
SMTP_TIMEOUT_SECONDS = 20
WEBHOOK_TIMEOUT_SECONDS = 10


class DeliveryError(Exception):
    """The channel refused or could not take the message; it will be retried."""


class MailTransport:
    """One SMTP connection reused for a batch; without SMTP_HOST each mail is written to the log."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.host = config.get("SMTP_HOST")
        self.port = int(config.get("SMTP_PORT") or 25)
        self.username = config.get("SMTP_USERNAME")
        self.password = config.get("SMTP_PASSWORD")
        self.starttls = bool(config.get("SMTP_STARTTLS"))
        # Only the development log may show a customer's address, name and links (in the body).
        self.log_personal_data = bool(config.get("LOG_PERSONAL_DATA"))
        self.connection: smtplib.SMTP | None = None

    def __enter__(self) -> MailTransport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        if self.connection is None:
            connection = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS)
            if self.starttls:
                connection.starttls(context=ssl.create_default_context())
            if self.username:
                connection.login(self.username, self.password or "")
            self.connection = connection
        return self.connection

    def send(self, message: EmailMessage) -> None:
        if not self.host:
            self._log(message)
            return
        try:
            envelope = _envelope(message)
            if envelope is None:  # non-ASCII addresses: smtplib negotiates SMTPUTF8
                self._connect().send_message(message)
            else:
                self._connect().sendmail(*envelope)
        except (smtplib.SMTPException, OSError) as exc:
            self.close()  # a broken connection must not be reused for the next message
            raise DeliveryError(f"SMTP: {exc}") from exc

    def _log(self, message: EmailMessage) -> None:
        if self.log_personal_data:
            log.info("mail (no SMTP_HOST set) to=%s subject=%s message_id=%s\n%s", message["To"],
                     message["Subject"], message["Message-ID"], message.get_body(("plain",)).get_content(),
                     extra={"personal_data": True})
        else:
            log.info("mail (no SMTP_HOST set) not sent: message_id=%s; its recipient and text are not logged "
                     "(LOG_PERSONAL_DATA is off)", message["Message-ID"])

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.connection = None


def _envelope(message: EmailMessage) -> tuple[str, list[str], bytes] | None:
    """Sender, recipients and the flattened message, as smtplib's send_message would send them
    for our messages (no Bcc or Resent-* headers), without re-parsing every address header:
    that costs as much CPU as the rest of sending. None when an address is not ASCII."""
    sender = message["From"].addresses[0].addr_spec
    recipients = [address.addr_spec for name in ("To", "Cc") for header in message.get_all(name, [])
                  for address in header.addresses]
    if "Bcc" in message or "Resent-From" in message or not all(a.isascii() for a in (sender, *recipients)):
        return None
    buffer = io.BytesIO()
    BytesGenerator(buffer, mangle_from_=False, policy=message.policy).flatten(message, linesep="\r\n")
    return sender, recipients, buffer.getvalue()


class SmsWebhook:
    """POSTs {"to", "text", "booking_id", "kind"} as JSON; anything but 2xx is a failure."""

    def __init__(self, url: str | None) -> None:
        self.url = url

    def send(self, to: str, text: str, booking_id: int, kind: str) -> None:
        if not self.url:
            raise DeliveryError("SMS_WEBHOOK_URL is not set")
        body = json.dumps({"to": to, "text": text, "booking_id": booking_id, "kind": kind}).encode()
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"SMS webhook answered {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryError(f"SMS webhook unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise DeliveryError(f"SMS webhook answered {status}")
