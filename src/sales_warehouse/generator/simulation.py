"""The run: build the world, then write each domain's entities chunk by chunk, then the manifest.

Random streams (seeded with (seed, stream, chunk)): 0 the world, 1 commerce and service per
customer chunk, 2 the sales team, 3 the pipeline per lead chunk, 4 marketing, 5 the defects planted
per customer chunk, 7 the price table (one for all chunks). Ids continue across chunks through `offsets`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from sales_warehouse.contract import entities_for
from sales_warehouse.generator.commerce import generate_commerce_chunk
from sales_warehouse.generator.config import GeneratorConfig
from sales_warehouse.generator.defects import DefectLedger, plant_defects
from sales_warehouse.generator.manifest import write_manifest, write_truth
from sales_warehouse.generator.marketing import generate_marketing
from sales_warehouse.generator.params import CUSTOMER_CHUNK, LEAD_CHUNK
from sales_warehouse.generator.pipeline import generate_pipeline_chunk
from sales_warehouse.generator.sales_team import generate_sales_team
from sales_warehouse.generator.sampling import rng_for
from sales_warehouse.generator.sink import ParquetSink, public
from sales_warehouse.generator.world import World, build_world


def customer_chunks(world: World) -> Iterator[tuple[int, pd.DataFrame]]:
    """(chunk number, customers) in blocks of CUSTOMER_CHUNK customers, in id order."""
    customers = world.customers
    for chunk_no, begin in enumerate(range(0, len(customers), CUSTOMER_CHUNK)):
        yield chunk_no, customers.iloc[begin : begin + CUSTOMER_CHUNK]


def write_commerce(
    world: World, sink: ParquetSink, ledger: DefectLedger, offsets: dict[str, int]
) -> np.ndarray:
    """Customers, orders, lines, returns, tickets and surveys, with defects planted; returns the
    revenue per (rep, month) the sales targets are set from."""
    rep_month = None
    for chunk_no, chunk in customer_chunks(world):
        result = generate_commerce_chunk(world, chunk, chunk_no, offsets)
        rng = rng_for(world.config, 5, chunk_no)
        frames = {
            "customers": public(result.customers),
            "orders": result.orders,
            "order_lines": result.order_lines,
            "returns": result.returns,
            "support_tickets": result.tickets,
            "survey_responses": result.surveys,
        }
        dirty = plant_defects(
            frames,
            rng,
            world.config.defect_rate,
            ledger,
            n_products=len(world.products),
            n_customers=len(world.customers),
            end_ts=world.end_ts,
        )
        for name, frame in dirty.items():
            sink.write(name, frame)
        offsets["orders"] += len(result.orders)
        offsets["returns"] += len(result.returns)
        offsets["tickets"] += len(result.tickets)
        offsets["surveys"] += len(result.surveys)
        rep_month = result.rep_month_revenue if rep_month is None else rep_month + result.rep_month_revenue
    assert rep_month is not None
    return rep_month


def write_pipeline(world: World, sink: ParquetSink, offsets: dict[str, int]) -> None:
    """Leads, opportunities, stage history and activities, in blocks of LEAD_CHUNK leads."""
    n_leads = world.sizes.leads
    for chunk_no, begin in enumerate(range(0, n_leads, LEAD_CHUNK)):
        frames = generate_pipeline_chunk(world, chunk_no, min(LEAD_CHUNK, n_leads - begin), offsets)
        for name, frame in frames.items():
            sink.write(name, frame)
        offsets["leads"] += len(frames["leads"])
        offsets["opportunities"] += len(frames["opportunities"])
        # Activity ids are numbered before the activities after the end of the data are dropped,
        # so the kept ids have gaps: the next chunk continues after the largest id kept (the
        # number of rows kept would reuse ids of this chunk).
        if len(frames["activities"]):
            offsets["activities"] = int(frames["activities"]["activity_id"].max())


def generate(config: GeneratorConfig, out: Path) -> dict[str, object]:
    """Write every raw entity of the enabled domains to `out` and return the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    world = build_world(config)
    entities = entities_for(config.domains)
    sink = ParquetSink(out, entities)
    ledger = DefectLedger()
    offsets = dict.fromkeys(
        ("orders", "returns", "tickets", "surveys", "leads", "opportunities", "activities"), 0
    )
    rep_month = write_commerce(world, sink, ledger, offsets)
    sink.write("products", public(world.products))
    for name, frame in generate_sales_team(world, rep_month).items():
        sink.write(name, frame)
    if "pipeline" in config.domains:
        write_pipeline(world, sink, offsets)
    for name, frame in generate_marketing(world).items():
        sink.write(name, frame)
    sink.close()
    write_truth(world, out)
    defects = ledger.as_dict({item.name for item in entities})
    return write_manifest(world, out, sink.rows, defects)
