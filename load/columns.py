"""Canonical column values: pandas frames converted to what the target columns hold.

Every frame is converted column by column, driven by the SQLAlchemy type of
the target column, to one canonical dtype per kind:

=========  ===================  ==========================================
kind       canonical dtype      accepted input
=========  ===================  ==========================================
int        ``Int64``            ints, integral floats, numeric strings
bool       ``boolean``          bools (with NA)
date       ``datetime64[s]``    datetime64 (time of day dropped), python
                                ``date``/``datetime``, ISO strings
datetime   ``datetime64[us]``   as for date
str        ``string``           anything (converted with ``str``)
=========  ===================  ==========================================

``None``, ``NaN``, ``NaT`` and ``pd.NA`` all become NA, i.e. SQL NULL. One
canonical dtype per kind keeps the row hash independent of how an upstream
stage happened to type a column.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa


class Kind(StrEnum):
    INT = "int"
    BOOL = "bool"
    DATE = "date"
    DATETIME = "datetime"
    STR = "str"


@dataclass(frozen=True)
class ColumnType:
    name: str
    kind: Kind
    length: int | None  # maximum string length, if any
    nullable: bool


class ConversionError(ValueError):
    """A column cannot be converted; carries the column name and the offending row positions."""

    def __init__(self, column: str, problem: str, positions: np.ndarray) -> None:
        self.column = column
        self.problem = problem
        self.positions = positions
        super().__init__(f"column {column}: {problem} ({len(positions)} row(s))")


def kind_of(type_: sa.types.TypeEngine[object]) -> Kind:
    # Order matters: Boolean is no Integer, but DateTime and Date are unrelated types.
    if isinstance(type_, sa.Boolean):
        return Kind.BOOL
    if isinstance(type_, sa.Integer):
        return Kind.INT
    if isinstance(type_, sa.DateTime):
        return Kind.DATETIME
    if isinstance(type_, sa.Date):
        return Kind.DATE
    if isinstance(type_, sa.String):
        return Kind.STR
    raise TypeError(f"no canonical kind for column type {type_!r}")


def column_types(table: sa.Table) -> dict[str, ColumnType]:
    out: dict[str, ColumnType] = {}
    for column in table.columns:
        length = getattr(column.type, "length", None)
        out[column.name] = ColumnType(column.name, kind_of(column.type), length, bool(column.nullable))
    return out


def to_canonical(series: pd.Series, column: ColumnType) -> pd.Series:
    """``series`` as the canonical dtype of ``column`` (same index); raises :class:`ConversionError`."""
    converter = {
        Kind.INT: _to_int,
        Kind.BOOL: _to_bool,
        Kind.DATE: _to_date,
        Kind.DATETIME: _to_datetime,
        Kind.STR: _to_str,
    }[column.kind]
    out = converter(series, column.name)
    if column.kind is Kind.STR and column.length is not None and len(out):
        too_long = (out.str.len() > column.length).fillna(False).to_numpy(dtype=bool)
        if too_long.any():
            raise ConversionError(column.name, f"longer than {column.length} characters", np.flatnonzero(too_long))
    return out


def canonical_frame(frame: pd.DataFrame, types: dict[str, ColumnType], columns: list[str]) -> pd.DataFrame:
    """The given ``columns`` of ``frame`` converted to their canonical dtypes, with a fresh RangeIndex."""
    data = {name: to_canonical(frame[name].reset_index(drop=True), types[name]) for name in columns}
    return pd.DataFrame(data, index=pd.RangeIndex(len(frame)))


def _to_int(series: pd.Series, name: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(series.dtype):
        raise ConversionError(name, "boolean values in an integer column", np.arange(len(series)))
    if pd.api.types.is_integer_dtype(series.dtype):
        return series.astype("Int64")
    if not pd.api.types.is_float_dtype(series.dtype):
        numeric = pd.to_numeric(series, errors="coerce")
        bad = numeric.isna().to_numpy() & series.notna().to_numpy()
        if bad.any():
            raise ConversionError(name, "values that are not numbers", np.flatnonzero(bad))
        series = numeric
        if pd.api.types.is_integer_dtype(series.dtype):
            return series.astype("Int64")
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    fractional = ~np.isnan(values) & (values != np.round(values))
    if fractional.any():
        raise ConversionError(name, "fractional values in an integer column", np.flatnonzero(fractional))
    return series.astype("Float64").astype("Int64")


def _to_bool(series: pd.Series, name: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("boolean")
    try:
        return series.astype("object").where(series.notna(), None).astype("boolean")
    except (TypeError, ValueError):
        bad = ~series.map(lambda v: v is None or isinstance(v, (bool, np.bool_)) or pd.isna(v)).to_numpy(dtype=bool)
        raise ConversionError(name, "values that are not booleans", np.flatnonzero(bad)) from None


def _datetimes(series: pd.Series, name: str) -> pd.Series:
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert(None)
    if pd.api.types.is_datetime64_dtype(series.dtype):
        return series
    parsed = pd.to_datetime(series, errors="coerce", format="ISO8601")
    bad = parsed.isna().to_numpy() & series.notna().to_numpy()
    if bad.any():
        raise ConversionError(name, "values that are not dates", np.flatnonzero(bad))
    return parsed


def _to_date(series: pd.Series, name: str) -> pd.Series:
    values = _datetimes(series, name).to_numpy()
    days = values.astype("datetime64[D]")  # drops a time of day; NaT stays NaT
    return pd.Series(days.astype("datetime64[s]"), index=series.index)


def _to_datetime(series: pd.Series, name: str) -> pd.Series:
    return _datetimes(series, name).astype("datetime64[us]")


def _to_str(series: pd.Series, name: str) -> pd.Series:
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.na_value is pd.NA:
        return series
    return series.astype("string")


def date_strings(series: pd.Series) -> np.ndarray:
    """ISO dates (``YYYY-MM-DD``) of a canonical date column as an object array, None for NA."""
    # Arrow formats dates 5x faster than np.datetime_as_string and maps NaT to None itself.
    days = pa.array(series.to_numpy().astype("datetime64[D]"), type=pa.date32(), from_pandas=True)
    return days.cast(pa.string()).to_numpy(zero_copy_only=False)


def python_values(series: pd.Series, kind: Kind) -> list[object]:
    """A canonical column as plain Python values for a DB-API driver (None for NA)."""
    mask = series.isna().to_numpy()
    if kind is Kind.INT:
        out = series.to_numpy(dtype="int64", na_value=0).astype(object)
    elif kind is Kind.BOOL:
        out = series.to_numpy(dtype="bool", na_value=False).astype(object)
    elif kind is Kind.DATE:
        return date_strings(series).tolist()
    elif kind is Kind.DATETIME:
        out = np.array(series.dt.to_pydatetime(), dtype=object)
    else:
        return series.to_numpy(dtype=object, na_value=None).tolist()
    if mask.any():
        out[mask] = None
    return out.tolist()
