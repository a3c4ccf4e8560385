"""`sales-warehouse` command line."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sales_warehouse.contract import DOMAINS


def _generate(args: argparse.Namespace) -> int:
    from sales_warehouse.generator import GeneratorConfig, generate, parse_date

    try:
        domains = tuple(item.strip() for item in args.domains.split(",") if item.strip())
        config = GeneratorConfig(
            scale=args.scale,
            seed=args.seed,
            start=parse_date(args.start),
            end=parse_date(args.end),
            defect_rate=args.defect_rate,
            domains=domains,
        )
    except ValueError as error:
        print(f"sales-warehouse generate: error: {error}", file=sys.stderr)
        return 2
    began = time.perf_counter()
    manifest = generate(config, Path(args.out))
    seconds = time.perf_counter() - began
    counts = manifest["row_counts"]
    assert isinstance(counts, dict)
    summary = ", ".join(f"{name} {count:,}" for name, count in counts.items())
    print(f"generated {args.out} in {seconds:.1f}s: {summary}")
    return 0


def _contract(args: argparse.Namespace) -> int:
    from sales_warehouse.sources_yaml import write_sources_yaml

    for path in write_sources_yaml(Path(args.models_dir)):
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sales-warehouse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write deterministic demo data (one parquet per entity)")
    generate.add_argument("--scale", type=float, default=1.0, help="1 = demo (~150k order lines); linear")
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--start", default="2023-01-01", help="first day of data (YYYY-MM-DD)")
    generate.add_argument("--end", default="2025-12-31", help="last day of data (YYYY-MM-DD)")
    generate.add_argument(
        "--defect-rate", type=float, default=0.01, help="share of dirty rows per defect kind"
    )
    generate.add_argument(
        "--domains",
        default=",".join(DOMAINS),
        help=f"comma-separated domains to write (commerce is required): {','.join(DOMAINS)}",
    )
    generate.add_argument("--out", default="data/raw", help="output directory")
    generate.set_defaults(handler=_generate)

    contract = commands.add_parser("contract", help="render the dbt sources YAML from the raw contract")
    contract.add_argument("--models-dir", default="models", help="dbt models directory")
    contract.set_defaults(handler=_contract)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))
