"""jhmig: migrates Jugendamt case data into a unified case database."""

__version__ = "0.1.0"
