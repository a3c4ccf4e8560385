"""The parquet sink: one file per raw entity, each frame checked against the raw data contract."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sales_warehouse.contract import LOADED_AT, Entity

ARROW_TYPES = {
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "BOOLEAN": pa.bool_(),
}


def arrow_schema(entity: Entity) -> pa.Schema:
    return pa.schema([pa.field(column.name, ARROW_TYPES[column.data_type]) for column in entity.columns])


class ParquetSink:
    """Appends frames to one parquet file per entity, checking them against the contract."""

    def __init__(self, out: Path, entities: list[Entity]) -> None:
        self.out = out
        self.entities = {item.name: item for item in entities}
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {name: 0 for name in self.entities}

    def write(self, name: str, frame: pd.DataFrame) -> None:
        if name not in self.entities:
            return  # domain switched off
        entity = self.entities[name]
        expected = [column.name for column in entity.columns]
        # Optional columns the demo world does not model (e.g. credit notes) are written as nulls.
        absent = [item.name for item in entity.columns if not item.required and item.name not in frame]
        if absent:
            frame = frame.assign(**dict.fromkeys(absent)).reindex(columns=expected)
        if list(frame.columns) != expected:
            raise ValueError(f"{name}: generated columns {list(frame.columns)} != contract {expected}")
        schema = arrow_schema(entity)
        table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        if name not in self.writers:
            self.writers[name] = pq.ParquetWriter(self.out / f"{name}.parquet", schema, compression="snappy")
        self.writers[name].write_table(table, row_group_size=1_000_000)
        self.rows[name] += len(frame)

    def close(self) -> None:
        for name, entity in self.entities.items():
            if name not in self.writers:  # an entity with no rows still gets a file
                pq.write_table(arrow_schema(entity).empty_table(), self.out / f"{name}.parquet")
        for writer in self.writers.values():
            writer.close()


def public(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[[column for column in frame.columns if not column.startswith("_") or column == LOADED_AT]]
