"""`python -m reports <command> …`: dispatch to the subcommands (each a module of this package with
`add_arguments(parser)` and `run(args) -> int`). Add a command by adding it to COMMANDS."""
from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "requests": ("reports.requests", "one request workbook (.xlsx) per lead agency for a data-collection round"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports")
    sub = parser.add_subparsers(dest="command", required=True)
    modules = {}
    for name, (module, help_text) in COMMANDS.items():
        mod = importlib.import_module(module)
        modules[name] = mod
        mod.add_arguments(sub.add_parser(name, help=help_text))
    args = parser.parse_args(argv)
    return modules[args.command].run(args)


if __name__ == "__main__":
    sys.exit(main())
