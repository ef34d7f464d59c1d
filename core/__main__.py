"""``python -m jhmig``: the same command line as ``jhmig`` (for scripts that name the interpreter)."""

from jhmig.cli import main

main()
