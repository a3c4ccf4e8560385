"""Type casts for dbt Python model outputs (pandas turns DATE into TIMESTAMP, DECIMAL into DOUBLE).

Every dbt Python model imports this module first. dbt runs Python models in parallel threads of
one process, and two threads importing the scientific stack at the same time can deadlock in
Python's import machinery (seen: `_DeadlockError` on narwhals, imported by statsmodels via
statsforecast, while another model imported it through pandas/scikit-learn). So this module
imports every module the Python models use, and with them that stack, once: the first model
thread imports them while the others wait on this module's import lock, so no two threads ever
import those packages concurrently.
"""

from __future__ import annotations

from collections.abc import Mapping

import sales_warehouse.elasticity  # noqa: F401
import sales_warehouse.forecasting  # noqa: F401
import sales_warehouse.recommendations  # noqa: F401
import sales_warehouse.scoring  # noqa: F401
import sales_warehouse.segmentation  # noqa: F401


def typed_projection(columns: Mapping[str, str]) -> str:
    """SQL select list casting each output column to its documented type, in order."""
    return ", ".join(f'cast("{name}" as {data_type}) as "{name}"' for name, data_type in columns.items())
