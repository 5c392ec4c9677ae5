"""iCalendar export and import (RFC 5545)."""
