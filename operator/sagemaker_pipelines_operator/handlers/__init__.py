"""Thin kopf wiring: parse the body, read observed state, call a pure plan, apply, patch status."""
