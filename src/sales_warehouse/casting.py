"""Type casts for dbt Python model outputs (pandas turns DATE into TIMESTAMP, DECIMAL into DOUBLE)."""

from __future__ import annotations

from collections.abc import Mapping


def typed_projection(columns: Mapping[str, str]) -> str:
    """SQL select list casting each output column to its documented type, in order."""
    return ", ".join(f'cast("{name}" as {data_type}) as "{name}"' for name, data_type in columns.items())
