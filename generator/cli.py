"""Command-line interface: argument parsing only; every command calls the library."""

from __future__ import annotations

import argparse
import json
import os
import sys
import types
from collections.abc import Sequence

from . import __version__

EXAMPLES = types.MappingProxyType({
    "check": "example:\n  python -m generator check dumps/\n  python -m generator check --json dumps/000_efc7d801c89ff12f.txt",
    "build": "example:\n  python -m generator build --dumps dumps --site-dir site --site-url https://me.github.io/paper-digest/",
    "serve": "example:\n  python -m generator serve --dumps dumps --site-dir site --port 8765",
    "topics": "example:\n  python -m generator topics --dumps dumps --topics topics.yml\n"
              "  python -m generator topics --json > topics-report.json",
})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        # `paper-digest` when run as the installed command, else `python -m generator`
        prog="paper-digest" if os.path.basename(sys.argv[0] or "") == "paper-digest" else "python -m generator",
        description="Turn captured Hugging Face Daily Papers digests into a static site with topics, feeds and related papers.",
    )
    parser.add_argument("--version", action="version", version=f"paper-digest {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="parse dumps without building and report what was found",
        description="Parse dumps (files or folders) and print, per dump, its format, entries, distinct papers and "
        "problems. Exit 0 when every dump parsed cleanly, 1 when any had a problem, 2 on a usage error.",
        epilog=EXAMPLES["check"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="dump files or folders of dumps")
    check.add_argument("--json", action="store_true", help="print a JSON report instead of text")

    build = commands.add_parser(
        "build",
        help="ingest the dumps, generate pages and feeds, and build the site",
        description="Run ingest, topics, related papers, page and feed generation and the strict MkDocs build.",
        epilog=EXAMPLES["build"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_build_options(build)

    serve = commands.add_parser(
        "serve",
        help="preview the site and accept dumps from the browser extension",
        description="Serve the built site on loopback and an ingest API (POST /api/dumps) that stores a captured "
        "page and rebuilds the site. Changes to the dumps, topics.yml, mkdocs.yml, overrides/ and the hand-written "
        "pages rebuild it too, and open pages reload.",
        epilog=EXAMPLES["serve"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_build_options(serve)
    topics = commands.add_parser(
        "topics",
        help="report how the taxonomy tags the dumps' papers",
        description="Tag the dumps' papers with the taxonomy and report, for whoever maintains topics.yml: each "
        "topic's count and its papers tagged only by the fallback or by weak evidence, the pairs of topics that "
        "overlap most, and suggested new topics (clusters of weakly tagged papers with their top phrases and "
        "example titles). Exit 0, 1 on a bad taxonomy, 2 on a usage error.",
        epilog=EXAMPLES["topics"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    topics.add_argument("--dumps", default="dumps", help="folder of dumps (default: dumps)")
    topics.add_argument("--topics", default="topics.yml", help="taxonomy file (default: topics.yml)")
    topics.add_argument("--top", type=int, default=10, help="overlapping pairs and suggestions to show (default: 10)")
    topics.add_argument("--json", action="store_true", help="print a JSON report instead of text")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    serve.add_argument("--token-file", default=None, help="bearer token file (default: ~/.config/paper-digest/token)")
    serve.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                       help="extension origin admitted by CORS, e.g. chrome-extension://<id> (repeatable)")
    serve.add_argument("--max-bytes", type=int, default=10 * 1024 * 1024, help="largest accepted dump (default: 10 MB)")
    serve.add_argument("--git-commit", action="store_true", help="commit each stored dump and the manifest")
    serve.add_argument("--no-initial-build", action="store_true", help="serve the existing site without building first")
    serve.add_argument("--no-watch", action="store_true",
                       help="do not rebuild when dumps/, topics.yml, mkdocs.yml, overrides/ or the hand-written pages change")
    return parser


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dumps", default="dumps", help="folder of dumps (default: dumps)")
    parser.add_argument("--site-dir", default="site", help="where the built site goes (default: site)")
    parser.add_argument("--site-url", default=None, help="public URL of the site (default: site_url in mkdocs.yml)")
    parser.add_argument("--config", default="mkdocs.yml", help="MkDocs configuration (default: mkdocs.yml)")
    parser.add_argument("--topics", default="topics.yml", help="taxonomy file (default: topics.yml)")
    parser.add_argument("--feed-limit", type=int, default=50, help="items per feed (default: 50)")
    parser.add_argument("--allow-shrink", action="store_true", help="publish feeds even if they lose over half their items")
    parser.add_argument("--strict", action="store_true", help="treat warnings (and dump problems) as errors: exit 1")
    parser.add_argument("--no-mkdocs", action="store_true", help="generate site_src/ only; skip the MkDocs build")
    parser.add_argument("--markdown", action="store_true",
                        help="also write every paper, topic and digest page into site_src/ as Markdown (their HTML inside), "
                             "so that a plain `mkdocs build` or another Markdown tool can render the whole site")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only problems and the summary")


def run() -> None:
    """The `paper-digest` console script and `python -m generator`: main() with its exit status."""
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into `head`: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "check":
        return cmd_check(args)
    if args.command == "build":
        from .build import cmd_build

        return cmd_build(args)
    if args.command == "topics":
        return cmd_topics(args)
    if args.command == "serve":
        from .server import cmd_serve

        return cmd_serve(args)
    return 2


def cmd_check(args: argparse.Namespace) -> int:
    from .check import check_dumps, format_check

    report, failed = check_dumps(args.paths)
    if args.json:
        json.dump(report, sys.stdout, indent=2)  # ASCII: a file name may hold undecodable bytes
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_check(report, failed))
    return 1 if failed else 0


def cmd_topics(args: argparse.Namespace) -> int:
    from .topic_report import format_report, report_on
    from .topics import TaxonomyError

    if args.top < 1:
        print(f"--top must be at least 1, not {args.top}", file=sys.stderr)
        return 2
    try:
        report, problems = report_on(args.dumps, args.topics, top=args.top)
    except TaxonomyError as error:
        print(error, file=sys.stderr)
        return 1
    for problem in problems:
        print(problem, file=sys.stderr)
    if args.json:
        json.dump(report.as_json(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_report(report))
    return 0
