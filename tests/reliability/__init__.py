"""Reliability of the notification dispatcher: real worker processes, PostgreSQL and SMTP."""
