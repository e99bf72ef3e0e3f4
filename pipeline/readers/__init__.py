"""Readers: bytes → Document (floor 2)."""
