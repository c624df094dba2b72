"""Sunshine 365 (阳光365): the Tornado API, its services and its store."""

__version__ = "0.1.0"
