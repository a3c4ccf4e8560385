"""The generator's arguments, checked, and the entity counts they imply."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sales_warehouse.contract import DOMAINS
from sales_warehouse.generator.params import SCALE_1


@dataclass(frozen=True)
class GeneratorConfig:
    scale: float = 1.0
    seed: int = 42
    start: date = date(2023, 1, 1)
    end: date = date(2025, 12, 31)
    defect_rate: float = 0.01
    domains: tuple[str, ...] = DOMAINS

    def __post_init__(self) -> None:
        validate_config(self)


def validate_config(config: GeneratorConfig) -> None:
    """Reject arguments that cannot give a sensible data set, with a message saying why."""
    if not (0 < config.scale <= 1000):
        raise ValueError(f"--scale must be > 0 and <= 1000, got {config.scale}")
    if config.seed < 0:
        raise ValueError(f"--seed must be a non-negative integer, got {config.seed}")
    if config.end <= config.start:
        raise ValueError(f"--end ({config.end}) must be after --start ({config.start})")
    if (config.end - config.start).days < 90:
        raise ValueError(f"the period {config.start}..{config.end} is shorter than 90 days")
    if config.start.year < 2020 or config.end.year > 2030:
        raise ValueError("--start and --end must lie within 2020-01-01..2030-12-31 (festival calendar)")
    if not (0 <= config.defect_rate <= 0.2):
        raise ValueError(f"--defect-rate must be between 0 and 0.2, got {config.defect_rate}")
    unknown = sorted(set(config.domains) - set(DOMAINS))
    if unknown:
        raise ValueError(f"unknown domain(s) {unknown}; choose from {list(DOMAINS)}")
    if "commerce" not in config.domains:
        raise ValueError("the commerce domain is required")


@dataclass
class Sizes:
    customers: int
    orders: int
    leads: int
    tickets: int
    surveys: int
    reps: int
    products: int

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        return cls(
            customers=max(50, round(SCALE_1["customers"] * scale)),
            orders=max(500, round(SCALE_1["orders"] * scale)),
            leads=max(200, round(SCALE_1["leads"] * scale)),
            tickets=max(80, round(SCALE_1["tickets"] * scale)),
            surveys=max(30, round(SCALE_1["surveys"] * scale)),
            reps=max(14, round(SCALE_1["reps"] * scale)),
            products=round(200 * max(1.0, scale**0.5)),
        )


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"not a date (YYYY-MM-DD): {value!r}") from error
