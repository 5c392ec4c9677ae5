"""Use cases. They take `business` and `now`, raise domain errors, flush but never commit."""
