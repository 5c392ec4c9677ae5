"""Test infrastructure: real databases, real servers, factories."""
