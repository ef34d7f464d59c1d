"""Alembic revision files (a package so that setuptools discovery ships them; Alembic skips this file)."""
