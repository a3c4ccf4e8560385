"""Deterministic, vectorised demo-data generator for the raw data contract.

Customers are generated up front (a handful of small arrays even at scale 100); their orders,
order lines, returns, tickets and surveys are generated in fixed-size customer chunks and appended
to parquet files, so memory stays bounded whatever the scale. Leads, opportunities and activities
are chunked the same way. Each chunk has its own random stream derived from (seed, stream, chunk),
so the same seed and scale always give byte-identical files.

The structure the warehouse should find is planted on purpose and written to `manifest.json`
next to the data, together with the count of every dirty row planted (see `defects.py`).

Modules, in the order a run uses them:

- `params`: every planted number (regions, groups, funnel, SLA, scale-1 sizes, chunk sizes)
- `config`: `GeneratorConfig` and its argument checks, `Sizes` per scale, `parse_date`
- `sampling`: random streams and vectorised sampling and timestamp helpers
- `world`: the shared world (calendar, campaigns, reps and teams) built from `products` and `customers`
- `commerce`: orders, lines and returns per customer chunk, with `service` (tickets, surveys)
- `defects`: dirty rows planted per customer chunk, counted in a ledger
- `sales_team`: reps, teams, targets, trainings
- `pipeline`: leads per lead chunk, with `funnel` (opportunities, stage history, activities)
- `marketing`: campaigns and market indicators
- `sink`: one parquet file per entity, checked against the contract
- `manifest`: `manifest.json` and the truth files
- `simulation`: `generate`, the run that calls all of the above
"""

from sales_warehouse.generator.config import GeneratorConfig, Sizes, parse_date, validate_config
from sales_warehouse.generator.params import CUSTOMER_CHUNK, GENERATOR_VERSION, LEAD_CHUNK
from sales_warehouse.generator.simulation import generate
from sales_warehouse.generator.sink import ARROW_TYPES, ParquetSink, arrow_schema
from sales_warehouse.generator.world import World, build_world

__all__ = [
    "ARROW_TYPES",
    "CUSTOMER_CHUNK",
    "GENERATOR_VERSION",
    "LEAD_CHUNK",
    "GeneratorConfig",
    "ParquetSink",
    "Sizes",
    "World",
    "arrow_schema",
    "build_world",
    "generate",
    "parse_date",
    "validate_config",
]
