"""What operators see of a running installation: logs, health, metrics, scheduler heartbeats.

Nothing here imports the web layer: `booking.web.health` and `booking.web.metrics` serve what
these modules compute, and create_app wires the request hooks.
"""
