"""Alembic migrations of the target schema (a package so that wheels ship them)."""
