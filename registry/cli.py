"""`python main.py registry ...`: validate, sync and compare the model registry.

    python main.py registry validate                 # one line per defect; exit 1 if any
    python main.py registry sync                     # = sync --check: Markdown report, no writes
    python main.py registry sync --report sync.md    # the report into a file
    python main.py registry sync --update            # apply safe changes, add new models disabled
    python main.py registry compare nano-banana-pro  # one model beside its vendor doc

The docs folder defaults to ``../shared/reference/kie-vendor-docs`` next to
the directory that holds ``main.py``; pass ``--docs DIR`` for another one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Final

from registry.catalogue import CATALOGUE_PATH, RegistryError, encode_catalogue, load_registry
from registry.model import MENU_CATEGORIES
from registry.report import render_comparison, render_sync_report
from registry.sync import apply_safe, compare, vendor_for
from registry.validator import validate
from registry.vendor_docs import DocSet, PriceList, VendorDocsError, read_docs, read_price_list

__all__ = ["DEFAULT_DOCS", "add_arguments", "main"]

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
DEFAULT_DOCS: Final = REPO_ROOT.parent / "shared" / "reference" / "kie-vendor-docs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``validate``, ``sync`` and ``compare`` subcommands to ``parser``."""
    actions = parser.add_subparsers(title="actions", metavar="ACTION", dest="action", required=True)

    def add(name: str, help: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help, description=help)
        sub.add_argument("--catalogue", type=Path, default=CATALOGUE_PATH, metavar="PATH",
                         help="the catalogue file (default: registry/catalogue.json)")
        return sub

    add("validate", "check the catalogue; print one line per defect (exit 1 if any)")
    sync = add("sync", "compare the catalogue with KIE's vendor docs and price list")
    sync.add_argument("--docs", type=Path, default=None, metavar="DIR",
                      help=f"vendor docs folder (default: {DEFAULT_DOCS})")
    mode = sync.add_mutually_exclusive_group()
    mode.add_argument("--check", dest="update", action="store_false",
                      help="report only, change nothing (the default)")
    mode.add_argument("--update", dest="update", action="store_true",
                      help="apply safe changes to unlocked models and add new models disabled")
    sync.set_defaults(update=False)
    sync.add_argument("--report", type=Path, default=None, metavar="PATH",
                      help="write the Markdown report here instead of to standard output")
    compare_ = add("compare", "show one model's registry entry beside its vendor doc")
    compare_.add_argument("model", help="the model id, e.g. nano-banana-pro")
    compare_.add_argument("--docs", type=Path, default=None, metavar="DIR",
                          help=f"vendor docs folder (default: {DEFAULT_DOCS})")


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def _docs(folder: Path | None) -> tuple[DocSet, PriceList | None, str]:
    chosen = folder or DEFAULT_DOCS
    if not chosen.is_dir():
        hint = "pass --docs DIR" if folder else f"the default {DEFAULT_DOCS} is missing: pass --docs DIR"
        raise FileNotFoundError(f"no vendor docs folder at {chosen}: {hint}.")
    docs = read_docs(chosen)
    prices = read_price_list(Path(docs.price_list)) if docs.price_list else None
    return docs, prices, str(chosen)


def _validate(args: argparse.Namespace) -> int:
    registry = load_registry(args.catalogue)
    defects = validate(registry.catalogue)
    for defect in defects:
        print(defect)
    if defects:
        print(f"{len(defects)} defect(s): the registry is not valid and the bot will not start with it.",
              file=sys.stderr)
        return 1
    enabled = [model for model in registry.models if model.enabled]
    per_category = ", ".join(
        f"{category} {sum(model.category == category for model in enabled)}" for category in MENU_CATEGORIES
    )
    print(f"registry {registry.version}: {len(registry.models)} models, {len(enabled)} enabled "
          f"({per_category}); markup {registry.markup}; no defects.")
    return 0


def _sync(args: argparse.Namespace) -> int:
    registry = load_registry(args.catalogue)
    docs, prices, label = _docs(args.docs)
    report = compare(registry.catalogue, docs, prices, docs_label=label)
    notes: list[str] | None = None
    if args.update:
        updated, notes = apply_safe(registry.catalogue, report, docs)
        known = {str(defect) for defect in validate(registry.catalogue)}
        introduced = [defect for defect in validate(updated) if str(defect) not in known]
        if introduced:
            for defect in introduced:
                print(defect, file=sys.stderr)
            return _fail("sync --update would add the defects above to the registry; nothing was written.")
        if updated != registry.catalogue:
            args.catalogue.write_bytes(encode_catalogue(updated))
    text = render_sync_report(report, notes=notes)
    if args.report is not None:
        args.report.write_text(text, encoding="utf-8")
        print(f"sync report written to {args.report}")
    else:
        print(text)
    unsafe = report.unsafe()
    summary = (f"{sum(bool(s.changes) for s in report.models)} model(s) differ from the docs, "
               f"{len(unsafe)} unsafe change(s), {len(report.new_models)} model(s) only in the docs")
    print(summary + ("; updated " + str(args.catalogue) if args.update else "; nothing changed (--check)"),
          file=sys.stderr)
    return 1 if unsafe else 0


def _compare(args: argparse.Namespace) -> int:
    registry = load_registry(args.catalogue)
    try:
        model = registry.model(args.model)
    except KeyError as error:
        return _fail(f"{error.args[0]}; run `python main.py registry validate` to list the models.")
    docs, prices, _ = _docs(args.docs)
    print(render_comparison(model, vendor_for(model, docs), prices), end="")
    return 0


def main(args: argparse.Namespace) -> int:
    """Run the chosen action; the exit status is 0 when all is well, 1 on findings, 2 on errors."""
    handlers = {"validate": _validate, "sync": _sync, "compare": _compare}
    try:
        return handlers[args.action](args)
    except (RegistryError, FileNotFoundError, VendorDocsError) as error:
        return _fail(str(error))
