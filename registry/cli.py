"""`python main.py registry ...`: validate, sync and compare the model registry."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["validate", "sync", "compare"], help="what to do")


def main(args: argparse.Namespace) -> int:
    print(f"`python main.py registry {args.action}` is not built yet; nothing was done.", file=sys.stderr)
    return 2
