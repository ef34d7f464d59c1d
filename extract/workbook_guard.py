"""Look at a spreadsheet file before any parser does: what it really is, and whether it is safe to open.

The file extension lies often (an encrypted workbook saved as ``.xlsx`` is an
OLE container, a web export saved as ``.xls`` is HTML), and parsers fail on
such files with messages nobody can act on. Here the container is identified
by its first bytes, ZIP containers are checked for what they would unpack to
(zip bombs) and their XML parts for DOCTYPE/entity declarations (XML bombs;
Excel and LibreOffice never write them), and xlsx sheets are pre-scanned for
the area the parser would allocate (one stray value in column XFD makes a
5,000-row sheet 82 million cells) and for Excel error cells, which
python-calamine reads as empty. Standard library only: the engines live in
:mod:`jhmig.extract.workbook`.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from jhmig.extract.cells import column_index

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
# BOF records of BIFF2/3/4 worksheets, stored without an OLE container (Excel 2-4)
OLD_BIFF_MAGICS = (b"\x09\x00", b"\x09\x02", b"\x09\x04")
TEXT_EXTENSIONS = {".csv", ".txt", ".tsv", ".tab"}

_XML_HEAD_BYTES = 64 * 1024  # a DOCTYPE must come before the root element, i.e. at the very start
_CHUNK = 1 << 20


class GuardRefusal(Exception):
    """The file must not be handed to a parser; ``cause`` is one line for the team, ``hint`` what to do."""

    def __init__(self, cause: str, hint: str | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.hint = hint


@dataclass(frozen=True)
class Limits:
    """Bounds for reading one spreadsheet; the defaults fit caseworkers' lists with a wide margin."""

    max_file_bytes: int = 200 * 2**20
    max_unpacked_bytes: int = 1 * 2**30  # all ZIP members together, as declared
    max_member_bytes: int = 512 * 2**20  # one member (a sheet's XML) unpacked: 200k rows x 10 columns are ~100 MB
    max_member_ratio: int = 100  # compression ratio above which a large member is a zip bomb (real sheets: 5-30)
    large_member_bytes: int = 64 * 2**20  # members from this size on must keep below max_member_ratio
    max_sheet_cells: int = 20_000_000  # rows x columns a parser would allocate for one sheet
    max_filled_cells: int = 5_000_000  # cells holding a value, per workbook
    memory_bytes: int = 2 * 2**30  # address space the isolated reader may add
    timeout_s: float = 120.0  # wall clock for opening and reading one file


@dataclass(frozen=True)
class Container:
    """What a file is, by its bytes."""

    kind: str  # "xlsx" | "xlsb" | "ods" | "xls" | "xls_old" | "csv"
    label: str  # for messages, e.g. "Excel 2007+ workbook (.xlsx)"
    part: str = ""  # OOXML: the ZIP member of the workbook part (usually xl/workbook.xml)


@dataclass
class SheetScan:
    """What an xlsx sheet's XML holds, found without parsing it."""

    max_row: int = 0
    max_col: int = 0  # 1-based; 0 when all cells lie in columns A-Z
    far_cell: str | None = None  # the right-most cell beyond column Z, for messages
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) 1-based -> "#N/A"
    uncached: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> formula without a stored value


def identify(path: Path, head: bytes) -> Container:
    """Identify the container from the first bytes; refuse what no engine reads."""
    if not head:
        raise GuardRefusal("the file is empty (0 bytes)", "ask for the list again; the copy is broken")
    if head.startswith(ZIP_MAGICS):
        return _identify_zip(path)
    if head.startswith(CFB_MAGIC):
        if _holds_encrypted_package(path):
            raise GuardRefusal("the workbook is password-protected (encrypted)",
                               "ask the owner to remove the password (Excel: File > Info > Protect Workbook) and send it again")
        if _biff_password(path):
            raise GuardRefusal("the workbook is password-protected (Excel 97-2003 encryption, XOR or RC4)",
                               "ask the owner to remove the password (Excel: File > Info > Protect Workbook > Encrypt with Password: "
                               "clear it), save it as .xlsx and send it again")
        return Container("xls", "Excel 97-2003 workbook (.xls)")
    if head[:2] in OLD_BIFF_MAGICS and len(head) >= 4 and head[3] == 0:
        return Container("xls_old", "Excel 2-4 worksheet (.xls, BIFF2-4)")
    sniff = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if sniff.startswith((b"<!doctype html", b"<html")) or b"<html" in sniff[:512]:
        raise GuardRefusal("the file is a web page (HTML), not a workbook, although it is named like one",
                           "open it in Excel and save it as .xlsx")
    if sniff.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        raise GuardRefusal("the file is an Excel 2003 XML spreadsheet, which no reader here supports",
                           "open it in Excel and save it as .xlsx")
    if path.suffix.lower() in TEXT_EXTENSIONS or path.name.lower().endswith(".csv.txt") or _looks_textual(head):
        return Container("csv", "delimited text (.csv)")
    raise GuardRefusal("unsupported format: neither a workbook (.xlsx/.xlsm/.xlsb/.ods/.xls) nor delimited text",
                       "save the list from Excel as .xlsx")


def _looks_textual(head: bytes) -> bool:
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = head[:4096]
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return control <= len(sample) // 100


# the first record of a BIFF5/BIFF8 workbook stream (BOF of the workbook globals) and the record that says it is encrypted
_BIFF_BOF = ((b"\x09\x08\x10\x00\x00\x06\x05\x00", 20), (b"\x09\x08\x08\x00\x00\x05\x05\x00", 12))
_FILEPASS = b"\x2f\x00"
_SECTOR = 512


def _biff_password(path: Path) -> bool:
    """A legacy .xls with a password: its workbook stream's BOF is followed by a FILEPASS record.

    The workbook stream (always 4 KB or more, so in regular sectors) starts on a sector boundary:
    only those are looked at, not every byte of the file.
    """
    with path.open("rb") as fh:
        fh.seek(_SECTOR)  # past the header
        while chunk := fh.read(_SECTOR):
            for bof, filepass_at in _BIFF_BOF:
                if chunk.startswith(bof):
                    return chunk[filepass_at:filepass_at + 2] == _FILEPASS
    return False


def _holds_encrypted_package(path: Path) -> bool:
    """An encrypted OOXML file is an OLE container with the streams EncryptionInfo/EncryptedPackage."""
    needle = "EncryptedPackage".encode("utf-16-le")
    with path.open("rb") as fh:
        tail = b""
        while chunk := fh.read(_CHUNK):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle):]
    return False


def _identify_zip(path: Path) -> Container:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
            part = _office_document(zf, names)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ElementTree.ParseError) as exc:
        raise GuardRefusal(f"corrupt: not a readable ZIP container ({_short(exc)})",
                           "the file is damaged or was cut off while copying; ask for it again") from None
    if part.endswith(".xml") and not part.startswith("word/"):
        return Container("xlsx", "Excel 2007+ workbook (.xlsx/.xlsm)", part)
    if part.endswith(".bin"):
        return Container("xlsb", "Excel binary workbook (.xlsb)", part)
    if "content.xml" in names and (b"opendocument.spreadsheet" in mimetype or path.suffix.lower() in (".ods", ".fods")):
        return Container("ods", "OpenDocument spreadsheet (.ods)")
    if "word/document.xml" in names:
        raise GuardRefusal("the file is a Word document, not a workbook", "ask for the Excel list itself")
    if "content.xml" in names:
        raise GuardRefusal("the file is an OpenDocument file, but not a spreadsheet", "ask for the list as .ods or .xlsx")
    raise GuardRefusal("a ZIP file that holds no workbook (no xl/workbook.xml, xl/workbook.bin or content.xml)",
                       "check that this is the list; save it from Excel as .xlsx")


def _office_document(zf: zipfile.ZipFile, names: set[str]) -> str:
    """The workbook part, as the package relationships name it (not always xl/workbook.xml)."""
    for usual in ("xl/workbook.xml", "xl/workbook.bin"):
        if usual in names:
            return usual
    if "_rels/.rels" not in names:
        return ""
    info = zf.getinfo("_rels/.rels")
    if info.file_size > 1 * 2**20:
        return ""
    _check_xml_head(zf, info)
    for rel in ElementTree.fromstring(zf.read(info)):
        if rel.get("Type", "").endswith("/officeDocument"):
            member = _normalise_member(rel.get("Target", "").lstrip("/"))
            return member if member in names else ""
    return ""


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:160] or type(exc).__name__


def check_zip(path: Path, limits: Limits) -> None:
    """Refuse zip bombs, encrypted members and XML with DOCTYPE/entity declarations, before any parser sees them."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if total > limits.max_unpacked_bytes:
                raise GuardRefusal(f"too large: unpacks to {total / 2**20:,.0f} MB (limit {limits.max_unpacked_bytes / 2**20:,.0f} MB)",
                                   "split the list or save it as .csv")
            for info in infos:
                if info.flag_bits & 0x1:
                    raise GuardRefusal(f"a part of the workbook is encrypted ({info.filename})",
                                       "remove the password in Excel and save again")
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > limits.max_member_ratio and info.file_size >= limits.large_member_bytes:
                    raise GuardRefusal(f"refused as a zip bomb: part {info.filename} unpacks {ratio:,.0f}-fold to {info.file_size / 2**20:,.0f} MB",
                                       "this is not a normal workbook; do not open it")
                if info.file_size > limits.max_member_bytes:
                    raise GuardRefusal(f"too large: part {info.filename} unpacks to {info.file_size / 2**20:,.0f} MB "
                                       f"(limit {limits.max_member_bytes / 2**20:,.0f} MB per part)", "split the list or save it as .csv")
            for info in infos:
                if info.filename.lower().endswith((".xml", ".rels", ".vml")) and not info.is_dir():
                    _check_xml_head(zf, info)
    except GuardRefusal:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError) as exc:
        raise GuardRefusal(f"corrupt: a part of the ZIP container cannot be unpacked ({exc})",
                           "the file is damaged or was cut off while copying; ask for it again") from None


def _check_xml_head(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    with zf.open(info) as fh:
        head = fh.read(_XML_HEAD_BYTES)
    lowered = head.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise GuardRefusal(f"refused as an XML bomb: {info.filename} declares a DOCTYPE/entities, which Excel never writes",
                           "this is not a normal workbook; do not open it")


# --------------------------------------------------------------------------
# xlsx pre-scan
# --------------------------------------------------------------------------

_WIDE_CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{2,3})([0-9]+)"[^>]*?(?<!/)>')
_ROW_REF = re.compile(rb'<(?:\w+:)?row\s[^>]*?\br="([0-9]+)"')
_CELL_START = re.compile(rb'<(?:\w+:)?c\s')
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_VALUE = re.compile(rb'<(?:\w+:)?v>([^<]{1,40})</(?:\w+:)?v>')
_OVERLAP = 8192


def xlsx_sheet_parts(path: Path, workbook_part: str = "xl/workbook.xml") -> dict[str, str]:
    """Sheet name -> ZIP member of its XML, from the workbook part and its relationships (transitional or Strict)."""
    folder = PurePosixPath(workbook_part).parent
    rels_name = str(folder / "_rels" / (PurePosixPath(workbook_part).name + ".rels")).lstrip("./")
    with zipfile.ZipFile(path) as zf:
        workbook = ElementTree.fromstring(zf.read(workbook_part))
        rels = ElementTree.fromstring(zf.read(rels_name)) if rels_name in zf.namelist() else None
    targets: dict[str, str] = {}
    if rels is not None:
        for rel in rels:
            target = rel.get("Target", "")
            member = target.lstrip("/") if target.startswith("/") else str(folder / target)
            targets[rel.get("Id", "")] = _normalise_member(member)
    parts: dict[str, str] = {}
    for element in workbook.iter():
        if _local(element.tag) != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
        if rid in targets:
            parts[element.get("name", "")] = targets[rid]
    return parts


def xlsx_styles_can_mark(path: Path) -> bool:
    """Whether any cell style could fill a row or strike it through; if not, formatting need not be read at all."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith("styles.xml")]
            if not names:
                return False
            data = b"".join(zf.read(n) for n in names)
    except (zipfile.BadZipFile, OSError, KeyError, zlib.error):
        return True  # cannot tell: let the formatting reader try and report
    return b"strike" in data or b'patternType="solid"' in data or b"patternType='solid'" in data


def _normalise_member(member: str) -> str:
    parts: list[str] = []
    for piece in member.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def scan_xlsx_sheet(path: Path, member: str) -> SheetScan:
    """Stream a sheet's XML once: last row, right-most filled column beyond Z, error cells."""
    scan = SheetScan()
    with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
        tail = b""
        while chunk := fh.read(_CHUNK):
            buf = tail + chunk
            for match in _WIDE_CELL.finditer(buf):
                col = column_index(match.group(1).decode()) + 1
                if col > scan.max_col:
                    scan.max_col = col
                    scan.far_cell = (match.group(1) + match.group(2)).decode()
            rows = _ROW_REF.findall(buf[-_OVERLAP:]) or _ROW_REF.findall(buf)
            if rows:
                scan.max_row = max(scan.max_row, int(rows[-1]))
            if b't="e"' in buf:
                _collect_errors(buf, scan.errors)
            if b"<f" in buf:
                _collect_uncached(buf, scan.uncached)
            tail = buf[-_OVERLAP:]
    return scan


_FORMULA_CELL = re.compile(rb'<(?:\w+:)?c\s([^>]*?)(?<!/)>(.*?)</(?:\w+:)?c>', re.DOTALL)
_FORMULA = re.compile(rb'<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)')
# a stored result: <v>...</v> (also empty: a formula giving ""), or inline text; openpyxl writes <v /> for "none"
_HAS_VALUE = re.compile(rb'<(?:\w+:)?v>|<(?:\w+:)?is\b')


def _collect_uncached(buf: bytes, uncached: dict[tuple[int, int], str]) -> None:
    """Formula cells without a stored result (a file written by a program that does not calculate):
    every reader sees them as empty, so they are listed by cell instead of being read as nothing."""
    for match in _FORMULA_CELL.finditer(buf):
        body = match.group(2)
        formula = _FORMULA.search(body)
        if formula is None or _HAS_VALUE.search(body):
            continue
        ref = _REF.search(match.group(1))
        if ref:
            text = (formula.group(1) or b"").decode("utf-8", "replace")
            uncached[(int(ref.group(2)), column_index(ref.group(1).decode()) + 1)] = "=" + text[:40] if text else "(geteilte Formel)"


def _collect_errors(buf: bytes, errors: dict[tuple[int, int], str]) -> None:
    """Error cells (t="e") are rare: find each occurrence and read its cell's reference and cached value."""
    pos = buf.find(b't="e"')
    while pos != -1:
        start = max((m.start() for m in _CELL_START.finditer(buf, max(0, pos - 512), pos)), default=-1)
        if start != -1:
            end = buf.find(b"c>", pos)
            cell = buf[start:end + 2] if end != -1 else buf[start:pos + 2048]
            ref = _REF.search(cell)
            value = _VALUE.search(cell)
            if ref and value:
                errors[(int(ref.group(2)), column_index(ref.group(1).decode()) + 1)] = value.group(1).decode("utf-8", "replace")
        pos = buf.find(b't="e"', pos + 5)
