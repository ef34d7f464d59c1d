"""Layout files: how a legacy export is written, as data (YAML under ``mappings/``).

A layout names the files, their encoding, delimiter or fixed-width positions,
the columns and the unified field each one feeds, the value formats (dates,
decimal separator, sign) and the code maps. Extract reads files by it,
transform parses values by it. A different vendor's export is read by writing
another layout file - no Python.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from jhmig.errors import ConfigError

MAPPINGS_DIR = Path(__file__).resolve().parent.parent / "mappings"
try:  # installed as a wheel: mappings live in the jhmig.mappings package
    import jhmig.mappings as _mappings_pkg

    MAPPINGS_DIR = Path(_mappings_pkg.__file__).resolve().parent
except ImportError:  # pragma: no cover - source tree without install
    pass

REFERENCE_LAYOUT = MAPPINGS_DIR / "layouts" / "okjug-reference.yaml"
M = TypeVar("M", bound=BaseModel)

ValueType = Literal["key", "text", "name", "date", "end_date", "amount", "cents", "int", "code", "bool", "iban"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Formats(_Strict):
    date: str = "%d.%m.%Y"
    unknown_dates: tuple[str, ...] = ("",)
    open_end_dates: tuple[str, ...] = ()
    decimal: str = ","
    thousands: str = "."
    negative: Literal["trailing", "leading", "both"] = "both"
    true_values: tuple[str, ...] = ("J", "j", "1", "ja", "Ja", "true", "TRUE")
    false_values: tuple[str, ...] = ("N", "n", "0", "nein", "Nein", "false", "FALSE")


class ManifestLayout(_Strict):
    file: str = "EXPORT.INF"
    format: Literal["keyvalue"] = "keyvalue"
    file_key: str = "DATEI"
    count_key: str = "SAETZE"
    sum_key: str = "SUMME_CENT"
    export_date_key: str | None = None
    office_key: str | None = None
    version_key: str | None = None
    encoding: str | None = None  # defaults to the layout's encoding


class CodeMapRef(_Strict):
    file: str
    legacy_table: str | None = None


class Column(_Strict):
    field: str
    type: ValueType = "text"
    code_map: str | None = None
    if_empty: str | None = None  # value to use when the source is empty (codes only)
    copy_to: str | None = None  # also write the raw value to this field
    start: int | None = None  # fixed width: 1-based position
    length: int | None = None
    date_format: str | None = None  # overrides formats.date for this column

    @model_validator(mode="after")
    def _check(self) -> Column:
        if self.type == "code" and not self.code_map:
            raise ValueError(f"column for field {self.field!r} has type code but no code_map")
        return self


class Derived(_Strict):
    """A second entity built from the same file (e.g. addresses from the person file)."""

    entity: str
    fields: dict[str, str]  # target field -> field of the main entity


class FieldSlice(_Strict):
    start: int
    length: int


class RecordType(_Strict):
    start: int = 1
    length: int = 2
    data: tuple[str, ...] = ("10",)
    trailer: tuple[str, ...] = ("90",)


class Trailer(_Strict):
    count: FieldSlice
    sum_cents: FieldSlice | None = None


class FileLayout(_Strict):
    file: str
    entity: str
    format: Literal["delimited", "fixed_width"] = "delimited"
    encoding: str | None = None
    delimiter: str = ";"
    quotechar: str = '"'
    header: bool = True
    key: tuple[str, ...]
    columns: dict[str, Column]
    also: tuple[Derived, ...] = ()
    code_table: bool = False
    optional: bool = False  # the export may lack this file
    # fixed width only
    record_length: int | None = None
    record_type: RecordType | None = None
    trailer: Trailer | None = None
    date_format: str | None = None
    sum_field: str | None = None  # the field whose sum the manifest controls

    @model_validator(mode="after")
    def _check(self) -> FileLayout:
        unknown = [k for k in self.key if k not in self.columns]
        if unknown:
            raise ValueError(f"{self.file}: key column(s) {unknown} are not among the columns")
        if self.format == "fixed_width":
            if not self.record_length:
                raise ValueError(f"{self.file}: fixed_width needs record_length")
            for name, c in self.columns.items():
                if c.start is None or c.length is None:
                    raise ValueError(f"{self.file}: fixed-width column {name} needs start and length")
                if c.start + c.length - 1 > self.record_length:
                    raise ValueError(f"{self.file}: column {name} ends after record_length {self.record_length}")
        return self

    def field_of(self, source_column: str) -> str:
        return self.columns[source_column].field


class Layout(_Strict):
    name: str
    description: str = ""
    source_system: str = "legacy"
    encoding: str = "cp1252"
    formats: Formats = Field(default_factory=Formats)
    manifest: ManifestLayout | None = None
    code_maps: dict[str, CodeMapRef] = Field(default_factory=dict)
    files: tuple[FileLayout, ...]
    base_dir: Path = Path(".")  # folder the layout's relative code-map paths resolve against

    @model_validator(mode="after")
    def _check(self) -> Layout:
        for f in self.files:
            for name, c in f.columns.items():
                if c.code_map and c.code_map not in self.code_maps:
                    raise ValueError(f"{f.file}: column {name} uses code_map {c.code_map!r}, which code_maps does not define")
        return self

    def encoding_of(self, f: FileLayout) -> str:
        return f.encoding or self.encoding

    def code_map_path(self, name: str) -> Path:
        ref = self.code_maps[name]
        for base in (self.base_dir, MAPPINGS_DIR):
            candidate = (base / ref.file).resolve()
            if candidate.exists():
                return candidate
        raise ConfigError(
            f"layout {self.name}: code map file {ref.file!r} not found",
            hint=f"put it next to the layout ({self.base_dir}) or under {MAPPINGS_DIR}",
        )


def load_mapping_file(path: Path, model: type[M], what: str, *, missing_hint: str, subfolder: str) -> M:
    """Read a YAML mapping file into ``model``; errors name the file and the offending key.

    Relative paths inside (code maps, synonym tables) resolve against the
    mappings folder the file lives in (the parent of ``subfolder``), then the
    shipped ``mappings/``.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist", hint=missing_hint) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{what} {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{what} {path} must contain a mapping at the top level")
    base = path.resolve().parent
    data.setdefault("base_dir", str(base.parent if base.name == subfolder else base))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise ConfigError(f"{what} {path} is invalid: {problems}") from None


def load_layout(path: Path | str | None = None) -> Layout:
    """Read and check a layout file."""
    return load_mapping_file(Path(path) if path else REFERENCE_LAYOUT, Layout, "layout file", subfolder="layouts",
                             missing_hint="pass --layout with an existing file, or omit it for the reference layout")
