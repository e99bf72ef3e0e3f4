"""Pure functions from the document model to facts: structure, metadata, sources.

Nothing here reads a file or knows about a particular report: what is language-specific
comes from ``schemas/lang/<code>.toml``.
"""
