"""Module sizes and long functions of the product code (issue 9's aims: median <= 80 lines, none over 350, functions < 60).

    python bench/module_stats.py [FOLDER ...]

Counts physical lines per module of the stage folders (default: core extract
transform match validation load reports synth) and lists functions longer
than 60 lines.
"""

from __future__ import annotations

import ast
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("core", "extract", "transform", "match", "validation", "load", "reports", "synth")


def main(folders: list[str]) -> None:
    sizes: dict[str, int] = {}
    long_functions: list[tuple[int, str]] = []
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            name = str(path.relative_to(ROOT))
            sizes[name] = len(text.splitlines())
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno is not None:
                    length = node.end_lineno - node.lineno + 1
                    if length > 60:
                        long_functions.append((length, f"{name}:{node.name}"))
    values = sorted(sizes.values())
    print(f"modules {len(values)}, median {statistics.median(values):.0f} lines, p90 {values[int(len(values) * 0.9)]}, "
          f"over 250: {sum(v > 250 for v in values)}, over 300: {sum(v > 300 for v in values)}, over 350: {sum(v > 350 for v in values)}")
    for name, n in sorted(sizes.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  {n:4d} {name}")
    print(f"functions over 60 lines: {len(long_functions)}")
    for length, name in sorted(long_functions, reverse=True):
        print(f"  {length:4d} {name}")


if __name__ == "__main__":
    main(sys.argv[1:] or list(FOLDERS))
