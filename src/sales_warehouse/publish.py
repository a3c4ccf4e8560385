"""Write, audit, publish: users and BI tools only ever see a warehouse that passed every check.

The published warehouse is one DuckDB file (`SALES_WAREHOUSE_DB`, default data/warehouse.duckdb).
A build never writes it. It starts a candidate next to it (`<name>.candidate.duckdb`) holding what
a build cannot recompute (the snapshots' history and the publish log; the whole file when only
selected models are built), runs `dbt build` (models, tests, snapshots,
Python models) and the metric exports on the candidate, and only when all of that passed renames
the candidate over the published file: one atomic `os.replace` on the same file system. Readers
that have the old file open keep reading it (the old inode lives until they close); new
connections see the new file. A failed or killed build leaves the published file exactly as it
was and says so in one line, naming the candidate kept for inspection.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sales_warehouse import encryption

CANDIDATE_SUFFIX = ".candidate.duckdb"
BUILD_LOG_TABLE = "meta.publish_log"
# Compact the candidate before publishing when more than this share of its blocks is free.
DEFAULT_COMPACT_FREE_SHARE = 0.2


class PublishError(RuntimeError):
    """A build or audit step failed: the published warehouse was left unchanged."""


@dataclass(frozen=True)
class WarehousePaths:
    published: Path
    candidate: Path
    lock: Path


def warehouse_paths(published: Path) -> WarehousePaths:
    published = published.resolve()
    stem = published.name.removesuffix(".duckdb")
    return WarehousePaths(
        published=published,
        candidate=published.with_name(stem + CANDIDATE_SUFFIX),
        lock=published.with_name(stem + ".build.lock"),
    )


def find_project_dir(start: Path | None = None) -> Path:
    """The dbt project: the first folder up from `start` (default: here) with a dbt_project.yml."""
    for folder in [(start or Path.cwd()).resolve(), *(start or Path.cwd()).resolve().parents]:
        if (folder / "dbt_project.yml").is_file():
            return folder
    package_root = Path(__file__).resolve().parents[2]
    if (package_root / "dbt_project.yml").is_file():
        return package_root
    raise PublishError("no dbt_project.yml found here or above; run from the project or pass --project-dir")


@contextmanager
def build_lock(paths: WarehousePaths) -> Iterator[None]:
    """One build at a time per warehouse; a second one is refused at once, not queued."""
    paths.lock.parent.mkdir(parents=True, exist_ok=True)
    with open(paths.lock, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise PublishError(
                f"another build of {paths.published} is running (lock {paths.lock})"
            ) from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_key(paths: WarehousePaths) -> None:
    """Fail before building when the configured key (or its absence) does not open the published file."""
    if not paths.published.exists():
        return
    # An attachment in a fresh in-memory database: a connection to the path itself would clash with
    # readers of this process that hold it open with another configuration.
    with duckdb.connect() as probe:
        try:
            encryption.attach_file(probe, paths.published, "published", read_only=True)
        except encryption.EncryptionError as error:
            raise PublishError(str(error)) from None


# What a build cannot recompute from the raw files: the snapshots' history of changes and the
# publish log. A full build starts its candidate from these schemas alone; everything else (models,
# seeds, incremental models, metric exports) it builds afresh.
CARRIED_SCHEMAS: tuple[str, ...] = ("snapshots", "meta")


def prepare_candidate(paths: WarehousePaths, whole_copy: bool = False) -> None:
    """Start the candidate: from nothing on the first build; else a fresh file holding only the
    CARRIED_SCHEMAS of the published warehouse, or (whole_copy, for a build of selected models,
    which must keep the others) a copy of the whole published file.

    Why not always the copy: a full build replaces nearly every table, so a copied candidate ended
    with most of its blocks free and had to be rewritten before publishing, and the incremental
    models diffed ten million stored lines against ten million recomputed ones. At scale 67 the
    rebuild took 231 s (copy 4 s, dbt 171 s, compaction 40 s) against about 150 s from nothing;
    the incremental models give the same tables either way (they equal a full refresh)."""
    for stale in (paths.candidate, paths.candidate.with_name(paths.candidate.name + ".wal")):
        stale.unlink(missing_ok=True)
    if not paths.published.exists():
        return
    if whole_copy:
        shutil.copyfile(paths.published, paths.candidate)
        return
    with encryption.connect(str(paths.candidate)) as connection:
        encryption.attach_file(connection, paths.published, "published", read_only=True)
        carried = connection.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'published'"
            f" and schema_name in ({', '.join('?' for _ in CARRIED_SCHEMAS)}) order by all",
            list(CARRIED_SCHEMAS),
        ).fetchall()
        for schema, table in carried:
            connection.execute(f"create schema if not exists {quote(schema)}")
            connection.execute(
                f"create table {quote(schema)}.{quote(table)} as "
                f"select * from published.{quote(schema)}.{quote(table)}"
            )
        connection.execute("detach published")
        connection.execute("checkpoint")


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def record_publish(candidate: Path, steps: Sequence[str], started_at: datetime) -> None:
    """Write who/when into the candidate, then checkpoint it so it is one self-contained file."""
    with encryption.connect(str(candidate)) as connection:
        connection.execute("create schema if not exists meta")
        connection.execute(
            f"create table if not exists {BUILD_LOG_TABLE} "
            "(published_at timestamp, build_started_at timestamp, steps varchar)"
        )
        connection.execute(
            f"insert into {BUILD_LOG_TABLE} values (?, ?, ?)",
            [datetime.now(UTC).replace(tzinfo=None), started_at.replace(tzinfo=None), " + ".join(steps)],
        )
        connection.execute("checkpoint")


def free_share(path: Path) -> float:
    """Share of the file's blocks that are free (left by tables that were replaced)."""
    with encryption.connect(str(path), read_only=True) as connection:
        total, free = connection.execute(
            "select total_blocks, free_blocks from pragma_database_size()"
        ).fetchone()
    return free / total if total else 0.0


def compact(candidate: Path, max_free_share: float) -> bool:
    """Rewrite the candidate without free blocks when more than max_free_share of it is free.

    DuckDB reuses freed blocks but never shrinks its file, and a build replaces most tables, so a
    rebuild leaves the file larger than a fresh one (+26% at demo scale after one daily run). A
    copy of every schema into a new file (COPY FROM DATABASE) holds only live data; it replaces
    the candidate before publishing, so readers never see it half-written."""
    if free_share(candidate) <= max_free_share:
        return False
    compacted = candidate.with_name(candidate.name + ".compact")
    for stale in (compacted, compacted.with_name(compacted.name + ".wal")):
        stale.unlink(missing_ok=True)
    with encryption.connect(str(compacted)) as connection:
        encryption.attach_file(connection, candidate, "candidate", read_only=True)
        database = connection.execute("select current_database()").fetchone()[0]
        connection.execute(f'copy from database candidate to "{database}"')
        connection.execute("detach candidate")
        connection.execute("checkpoint")
    os.replace(compacted, candidate)
    return True


def swap_in(paths: WarehousePaths) -> None:
    """Atomically replace the published file by the candidate (same folder, same file system)."""
    wal = paths.candidate.with_name(paths.candidate.name + ".wal")
    if wal.exists():
        raise PublishError(f"candidate {paths.candidate} still has a write-ahead log; not publishing it")
    os.replace(paths.candidate, paths.published)
    directory = os.open(paths.published.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def run_step(name: str, command: Sequence[str], environment: dict[str, str], project_dir: Path) -> None:
    print(f"[publish] {name}: {' '.join(command)}", flush=True)
    result = subprocess.run(list(command), env=environment, cwd=project_dir)
    if result.returncode != 0:
        raise PublishError(f"{name} failed (exit {result.returncode})")


@dataclass(frozen=True)
class Step:
    name: str
    command: tuple[str, ...]


# Unit tests check the models' SQL on fixed inputs, not the data: the same result every run, so the
# production build skips them (dbt Labs' advice) and CI runs them (the test suite's `dbt build`).
SKIP_UNIT_TESTS: tuple[str, ...] = ("--exclude-resource-type", "unit_test")


# Above this many raw order lines a build runs one dbt node at a time. Side by side, a Python model
# next to a DuckDB query (2 GB limit, which scale 200 needs) peaked at 4.8 GB at 32.5M lines; one at
# a time it peaked at 3.1 GB for 7% more wall time. At 10.9M lines two threads are 20% faster
# (190 s vs 239 s) and peak at 3.9 GB.
LARGE_BUILD_ORDER_LINES = 20_000_000


def raw_order_lines(raw_dir: Path) -> int | None:
    """Rows of the raw order_lines export (parquet footer, nothing decoded); None without it."""
    path = raw_dir / "order_lines.parquet"
    if not path.is_file():
        return None
    try:
        with duckdb.connect() as connection:
            return int(connection.execute("select count(*) from read_parquet(?)", [str(path)]).fetchone()[0])
    except duckdb.Error:
        return None  # the raw contract check names an unreadable file; not this function's job


# dbt's file log (logs/dbt.log) at info level: every node's start, result and errors, without the
# debug events (each query's SQL, connection and timing chatter), which cost ~10% of dbt's own
# work (`dbt test` of 1,026 tests: 17.5 s instead of 19.3 s). DBT_LOG_LEVEL_FILE=debug keeps them.
DEFAULT_FILE_LOG_LEVEL = "info"


# One OpenBLAS thread per Python model: the build already runs two nodes side by side on two
# cores, and OpenBLAS's extra thread spins while it waits. Measured at scale 67, standalone:
# price_promo_effects 14.0 CPU-s with one thread against 18.8 with two (0.9 s more wall),
# model_metrics 8.4 against 13.7 (and faster). Set OPENBLAS_NUM_THREADS to override.
DEFAULT_BLAS_THREADS = "1"


def build_threads(environment: Mapping[str, str]) -> str | None:
    """dbt threads for a build: SALES_WAREHOUSE_THREADS when set; else "1" above
    LARGE_BUILD_ORDER_LINES raw order lines; else None (the profile's default, 2)."""
    if environment.get("SALES_WAREHOUSE_THREADS"):
        return None
    lines = raw_order_lines(Path(environment.get("SALES_WAREHOUSE_RAW", "data/raw")))
    if lines is not None and lines > LARGE_BUILD_ORDER_LINES:
        print(
            f"[publish] {lines:,} raw order lines (> {LARGE_BUILD_ORDER_LINES:,}): dbt runs one node at a "
            "time to stay within ~3 GB (set SALES_WAREHOUSE_THREADS=2 to run two)",
            flush=True,
        )
        return "1"
    return None


def default_steps(
    project_dir: Path, candidate: Path, dbt_args: Sequence[str] = (), unit_tests: bool = False
) -> list[Step]:
    bin_dir = Path(sys.executable).parent
    skip = () if unit_tests else SKIP_UNIT_TESTS
    return [
        Step(
            "dbt build",
            (str(bin_dir / "dbt"), "build", "--project-dir", str(project_dir), *skip, *dbt_args),
        ),
        Step(
            "metric exports",
            (str(bin_dir / "sales-warehouse"), "metrics", "export", "--db", str(candidate)),
        ),
    ]


def build_and_publish(
    published: Path,
    project_dir: Path,
    steps: Callable[[WarehousePaths], list[Step]] | None = None,
    environment: dict[str, str] | None = None,
    prepare: bool = True,
    whole_copy: bool = False,
) -> WarehousePaths:
    """Write a candidate, audit it with every step, publish it atomically only if all passed.
    prepare=False publishes an existing candidate (built by a plain `dbt build`); whole_copy starts
    the candidate from a copy of the whole published file (a build of selected models)."""
    paths = warehouse_paths(published)
    started_at = datetime.now(UTC)
    env = {**(environment if environment is not None else os.environ)}
    env["SALES_WAREHOUSE_DB"] = str(paths.published)
    env["SALES_WAREHOUSE_BUILD_DB"] = str(paths.candidate)
    env.setdefault("DBT_LOG_LEVEL_FILE", DEFAULT_FILE_LOG_LEVEL)
    env.setdefault("OPENBLAS_NUM_THREADS", DEFAULT_BLAS_THREADS)
    threads = build_threads(env) if prepare else None
    if threads is not None:
        env["SALES_WAREHOUSE_THREADS"] = threads
    plan = (steps or (lambda p: default_steps(project_dir, p.candidate)))(paths)
    with build_lock(paths):
        try:
            check_key(paths)
            if prepare:
                prepare_candidate(paths, whole_copy)
            elif not paths.candidate.exists():
                raise PublishError(f"no candidate {paths.candidate} to publish: run `dbt build` first")
            for step in plan:
                run_step(step.name, step.command, env, project_dir)
            record_publish(paths.candidate, [step.name for step in plan], started_at)
            compact(
                paths.candidate,
                float(env.get("SALES_WAREHOUSE_COMPACT_FREE_SHARE", DEFAULT_COMPACT_FREE_SHARE)),
            )
            swap_in(paths)
        except KeyboardInterrupt as interrupt:
            raise PublishError("interrupted") from interrupt
    return paths


def failure_line(paths: WarehousePaths, error: BaseException) -> str:
    """The one line a failed build prints: what failed, what users see, where the candidate is."""
    state = (
        f"the published warehouse {paths.published} is unchanged"
        if paths.published.exists()
        else f"nothing is published yet ({paths.published} does not exist)"
    )
    kept = (
        f"; the failed candidate is kept for inspection at {paths.candidate}"
        if paths.candidate.exists()
        else ""
    )
    return f"Build not published: {error}; {state}{kept}."


def open_published(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection for readers (BI tools, reports): read-only, and no access to other files on the
    host (a read-only connection with external access on could still read_csv('/etc/passwd'))."""
    return encryption.connect(str(path), read_only=True, config={"enable_external_access": False})
