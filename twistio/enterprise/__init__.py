"""Databases: ``adbapi``, DB-API modules driven from a thread pool."""
