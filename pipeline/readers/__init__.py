"""Readers (floor 2): bytes → :class:`schemas.Document`. They import only ``schemas``."""
