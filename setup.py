"""The compiled helper of the PDF reader (pipeline/readers/pdf/_chars.c); everything else is in pyproject.toml.

``optional``: where it cannot be built, the reader's Python loop gives the same chars, only slower."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("pipeline.readers.pdf._chars", ["pipeline/readers/pdf/_chars.c"], optional=True)])
