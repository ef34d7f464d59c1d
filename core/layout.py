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
    # Two-digit years (%y): below the pivot they are 20xx, from it on 19xx. Python's
    # own rule (pivot 69) turns a parent born 1965 into 2065, so old exports with
    # DD.MM.YY birth dates need a pivot near the export year.
    century_pivot: int | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _check(self) -> Formats:
        # decimal "." with the default thousands "." would silently read 1234.50 as 123450,00
        if self.thousands and self.thousands == self.decimal:
            raise ValueError(f"decimal and thousands are both {self.decimal!r}; set thousands: \"\" (or the export's real separator)")
        return self


class ManifestLayout(_Strict):
    """Where the control totals are. ``format``:

    * ``keyvalue``: KEY=VALUE lines, one file's entry per line joined by ``;``;
    * ``delimited``: a table with a header line; ``file_key``/``count_key``/``sum_key``
      name its columns (e.g. ``datei;anzahl;summe``);
    * ``json``: an object; ``entries_key`` names the list of per-file objects, the
      other keys (export date, office, version) are read from the top level.
    """

    file: str = "EXPORT.INF"
    format: Literal["keyvalue", "delimited", "json"] = "keyvalue"
    file_key: str = "DATEI"
    count_key: str = "SAETZE"
    sum_key: str = "SUMME_CENT"
    sum_type: Literal["cents", "amount"] = "cents"  # amount: euros written as the layout's formats say
    delimiter: str = ";"  # delimited only
    entries_key: str | None = None  # json only
    export_date_key: str | None = None
    office_key: str | None = None
    version_key: str | None = None
    encoding: str | None = None  # defaults to the layout's encoding


class CodeMapRef(_Strict):
    """A code map of the layout. ``file``: the CSV mapping legacy codes onto the unified list;
    none: the codes stay as written and must be in ``legacy_table`` (nationality, districts).
    ``code_list``: the unified list as a CSV the office supplies (``code,label_de``); default
    ``mappings/codes/<name>.csv``, or, without a map file, the codes of ``legacy_table``."""

    file: str | None = None
    legacy_table: str | None = None
    code_list: str | None = None

    @model_validator(mode="after")
    def _check(self) -> CodeMapRef:
        if self.file is None and self.legacy_table is None:
            raise ValueError("a code map needs a file, a legacy_table, or both")
        return self


class ExportInfo(_Strict):
    """A file of the export that holds its date, office and version (when the manifest does not)."""

    file: str
    format: Literal["keyvalue", "json"] = "keyvalue"
    export_date_key: str | None = None
    office_key: str | None = None
    version_key: str | None = None
    encoding: str | None = None


class Column(_Strict):
    # None: the column is read but feeds nothing - lets a file without a header
    # line list the positions it does not need (columns are taken in layout order).
    field: str | None
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
    quotechar: str | None = '"'  # null or "": the export does not quote, a '"' is an ordinary character
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
        self._check_fields()
        if self.format == "delimited" and len(self.delimiter) != 1:
            raise ValueError(f"{self.file}: delimiter must be one character, not {self.delimiter!r} (a tab is \"\\t\" in double quotes)")
        if self.quotechar is not None and len(self.quotechar) > 1:
            raise ValueError(f"{self.file}: quotechar must be one character, or null for an export without quoting")
        if self.sum_field and self.sum_field not in {c.field for c in self.columns.values()}:
            raise ValueError(f"{self.file}: sum_field {self.sum_field!r} is the field of none of the columns")
        if self.format == "fixed_width":
            if not self.record_length:
                raise ValueError(f"{self.file}: fixed_width needs record_length")
            for name, c in self.columns.items():
                if c.start is None or c.length is None:
                    raise ValueError(f"{self.file}: fixed-width column {name} needs start and length")
                if c.start + c.length - 1 > self.record_length:
                    raise ValueError(f"{self.file}: column {name} ends after record_length {self.record_length}")
        return self

    def _check_fields(self) -> None:
        """Entities and fields must exist: a misspelt field would otherwise be dropped without a word."""
        from jhmig.entities import LINEAGE_FRAME_COLUMNS, entity_specs

        specs = entity_specs()
        for entity in (self.entity, *(d.entity for d in self.also)):
            if entity not in specs:
                raise ValueError(f"{self.file}: unknown entity {entity!r}; known: {', '.join(specs)}")

        def known(entity: str) -> set[str]:
            return set(specs[entity].frame_columns) - set(LINEAGE_FRAME_COLUMNS)

        # Fields only an `also` entity takes (the person file's street) are fine on the main file;
        # the code table may name each retired code's successor (read, not loaded).
        usable = known(self.entity) | {src for d in self.also for src in d.fields.values()} | ({"successor"} if self.code_table else set())
        for name, c in self.columns.items():
            for target in (c.field, c.copy_to):
                if target is not None and target not in usable:
                    raise ValueError(f"{self.file}: column {name} feeds field {target!r}, which entity {self.entity} does not have; "
                                     f"fields: {', '.join(sorted(known(self.entity)))}")
        for d in self.also:
            bad = sorted(set(d.fields) - known(d.entity))
            if bad:
                raise ValueError(f"{self.file}: also/{d.entity}: unknown field(s) {bad}; fields: {', '.join(sorted(known(d.entity)))}")

    def field_of(self, source_column: str) -> str | None:
        return self.columns[source_column].field


class Layout(_Strict):
    name: str
    description: str = ""
    source_system: str = "legacy"
    encoding: str = "cp1252"
    formats: Formats = Field(default_factory=Formats)
    manifest: ManifestLayout | None = None
    export_info: ExportInfo | None = None  # export date / office kept in a file of their own
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

    def code_map_path(self, name: str) -> Path | None:
        """The code map's CSV; None for a map without file (codes checked against the code table)."""
        ref = self.code_maps[name]
        return self._mapping_file(ref.file, "code map file") if ref.file else None

    def code_list_path(self, name: str) -> Path | None:
        """The office-supplied unified code list of a code map, if it names one."""
        ref = self.code_maps[name]
        return self._mapping_file(ref.code_list, "code list") if ref.code_list else None

    def _mapping_file(self, relative: str, what: str) -> Path:
        for base in (self.base_dir, MAPPINGS_DIR):
            candidate = (base / relative).resolve()
            if candidate.exists():
                return candidate
        raise ConfigError(
            f"layout {self.name}: {what} {relative!r} not found",
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
