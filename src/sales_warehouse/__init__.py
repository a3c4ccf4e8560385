"""Sales Warehouse tooling: demo-data generator, raw-contract checks and the command line."""

__version__ = "0.1.0"
