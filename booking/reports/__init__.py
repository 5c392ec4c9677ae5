"""Reports, computed from plain rows: periods, figures and the CSV export (PURE: no Flask, no database).

`booking.operations.reports` loads the rows; the workspace shows what these modules compute.
"""
