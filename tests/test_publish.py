"""Write, audit, publish: only a fully passing build replaces the warehouse users read.

The first tests drive `build_and_publish` with small stand-in steps (fast, exact); the last ones
run the real `sales-warehouse build` (dbt build + metric exports) on generated data, break the
export and check that readers keep the last good warehouse and are never blocked.
"""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from dbt_support import ALL_OFF, BIN, ROOT, generate

from sales_warehouse import publish as publish_module
from sales_warehouse.publish import (
    PublishError,
    Step,
    WarehousePaths,
    build_and_publish,
    build_lock,
    failure_line,
    open_published,
    warehouse_paths,
)

PYTHON = sys.executable


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_step(value: int) -> Step:
    """A step that writes `value` into the candidate the way dbt would (it reads the env var)."""
    code = (
        "import duckdb, os; c = duckdb.connect(os.environ['SALES_WAREHOUSE_BUILD_DB']);"
        "c.execute('create schema if not exists marts');"
        f"c.execute('create or replace table marts.answer as select {value} as value'); c.close()"
    )
    return Step(f"write {value}", (PYTHON, "-c", code))


FAIL = Step("audit", (PYTHON, "-c", "raise SystemExit(3)"))


def answer(path: Path) -> int:
    with open_published(path) as connection:
        return connection.sql("select value from marts.answer").fetchone()[0]


def publish(published: Path, *steps: Step) -> WarehousePaths:
    return build_and_publish(published, ROOT, lambda paths: list(steps), environment={})


def test_a_passing_build_is_published_atomically_with_a_log_row(tmp_path: Path) -> None:
    published = tmp_path / "warehouse.duckdb"
    paths = publish(published, write_step(1))
    assert answer(published) == 1
    assert not paths.candidate.exists()
    publish(published, write_step(2))
    assert answer(published) == 2
    with open_published(published) as connection:
        assert connection.sql("select count(*) from meta.publish_log").fetchone() == (2,)


def test_a_failed_build_leaves_the_published_warehouse_exactly_as_it_was(tmp_path: Path) -> None:
    published = tmp_path / "warehouse.duckdb"
    publish(published, write_step(1))
    before = digest(published)
    with pytest.raises(PublishError) as failure:
        publish(published, write_step(2), FAIL)
    assert digest(published) == before
    assert answer(published) == 1
    paths = warehouse_paths(published)
    assert paths.candidate.exists(), "the failed candidate is kept for inspection"
    line = failure_line(paths, failure.value)
    assert "\n" not in line
    assert f"the published warehouse {published} is unchanged" in line
    assert str(paths.candidate) in line and "audit failed (exit 3)" in line


def test_an_interrupted_build_publishes_nothing(tmp_path: Path) -> None:
    published = tmp_path / "warehouse.duckdb"
    publish(published, write_step(1))
    before = digest(published)
    interrupt = Step("interrupted", (PYTHON, "-c", "import os, signal; os.kill(os.getppid(), signal.SIGINT)"))
    # Ctrl-C's default behaviour, also when this process inherited SIGINT ignored (a shell starts
    # background jobs that way, and Python then installs no KeyboardInterrupt handler).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(PublishError, match="interrupted"):
            publish(published, write_step(2), interrupt, write_step(3))
    finally:
        signal.signal(signal.SIGINT, previous)
    assert digest(published) == before


def test_a_killed_build_publishes_nothing(tmp_path: Path) -> None:
    published = tmp_path / "warehouse.duckdb"
    publish(published, write_step(1))
    before = digest(published)
    killed = Step("killed", (PYTHON, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"))
    with pytest.raises(PublishError, match=r"killed failed \(exit -9\)"):
        publish(published, write_step(2), killed)
    assert digest(published) == before


def test_readers_are_not_blocked_and_keep_their_snapshot_until_they_reconnect(tmp_path: Path) -> None:
    published = tmp_path / "warehouse.duckdb"
    publish(published, write_step(1))
    with open_published(published) as reader:
        publish(published, write_step(2))  # a reader holding the file open does not block a build
        assert reader.sql("select value from marts.answer").fetchone() == (1,)
    assert answer(published) == 2


def test_one_build_at_a_time(tmp_path: Path) -> None:
    paths = warehouse_paths(tmp_path / "warehouse.duckdb")
    with build_lock(paths), pytest.raises(PublishError, match="another build"):
        publish(paths.published, write_step(1))


def test_reader_connections_cannot_read_host_files(tmp_path: Path) -> None:
    published = tmp_path / "warehouse.duckdb"
    publish(published, write_step(1))
    with open_published(published) as reader, pytest.raises(duckdb.PermissionException):
        reader.sql("select * from read_csv('/etc/passwd')").fetchall()


# --------------------------------------------------------------------------- the real build


def cli(args: list[str], raw: Path, published: Path) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": str(BIN),
        "HOME": str(published.parent),
        "SALES_WAREHOUSE_RAW": str(raw),
        "SALES_WAREHOUSE_DB": str(published),
        "DBT_PROFILES_DIR": str(ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    return subprocess.run(
        [str(BIN / "sales-warehouse"), *args], env=environment, capture_output=True, text=True, cwd=ROOT
    )


@pytest.fixture(scope="module")
def published_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("publish")
    raw = generate(work / "raw", "--domains", "commerce", scale="0.1")
    published = work / "warehouse.duckdb"
    result = cli(["build", "--", "--vars", ALL_OFF], raw, published)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return raw, published


def test_make_builds_publish_models_and_metric_exports(published_build: tuple[Path, Path]) -> None:
    _, published = published_build
    with open_published(published) as reader:
        orders = reader.sql("select count(*) from marts.fct_orders").fetchone()[0]
        exports = reader.sql("select count(*) from metrics.saved_query_exports").fetchone()[0]
    assert orders > 0 and exports > 0


def test_an_empty_export_is_not_published_and_the_snapshot_records_nothing(
    published_build: tuple[Path, Path], tmp_path: Path
) -> None:
    raw, published = published_build
    broken = tmp_path / "raw"
    broken.mkdir()
    for path in raw.glob("*.parquet"):
        table = pq.read_table(path)
        pq.write_table(table.slice(0, 0) if path.name == "customers.parquet" else table, broken / path.name)
    before = digest(published)
    with open_published(published) as reader:
        history = reader.sql("select count(*) from snapshots.customers_snapshot").fetchone()[0]
        # A reader keeps querying while the failing build runs next to it.
        result = cli(["build", "--", "--vars", ALL_OFF], broken, published)
        assert reader.sql("select count(*) from marts.fct_orders").fetchone()[0] > 0
    assert result.returncode == 1
    assert "Snapshot customers_snapshot refused: its source" in result.stdout
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("Build not published: dbt build failed")
    assert f"the published warehouse {published} is unchanged" in last_line
    assert digest(published) == before
    with open_published(published) as reader:
        assert reader.sql("select count(*) from snapshots.customers_snapshot").fetchone()[0] == history
        assert reader.sql(
            "select count(*) from snapshots.customers_snapshot where dbt_is_deleted"
        ).fetchone() == (0,)


def test_a_concurrent_reader_thread_is_never_refused(published_build: tuple[Path, Path]) -> None:
    """BI readers poll while a full build and publish runs: every read succeeds."""
    raw, published = published_build
    errors: list[BaseException] = []
    reads = 0
    done = threading.Event()

    def poll() -> None:
        nonlocal reads
        while not done.is_set():
            try:
                with open_published(published) as reader:
                    reader.sql("select count(*) from marts.fct_orders").fetchone()
                reads += 1
            except BaseException as error:  # noqa: BLE001 - any refusal is the failure under test
                errors.append(error)
                return

    thread = threading.Thread(target=poll)
    thread.start()
    try:
        result = cli(["build", "--", "--vars", ALL_OFF], raw, published)
    finally:
        done.set()
        thread.join()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert errors == [] and reads > 0


def test_a_plain_dbt_build_writes_the_candidate_and_says_it_is_not_published(
    published_build: tuple[Path, Path], tmp_path: Path
) -> None:
    raw, published = published_build
    before = digest(published)
    environment = {
        "PATH": str(BIN),
        "HOME": str(tmp_path),
        "SALES_WAREHOUSE_RAW": str(raw),
        "SALES_WAREHOUSE_DB": str(published),
        "DBT_PROFILES_DIR": str(ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = subprocess.run(
        [
            str(BIN / "dbt"),
            "build",
            "--select",
            "+stg_shop__orders",
            "--exclude",
            "resource_type:test",
            "resource_type:unit_test",
            "--vars",
            ALL_OFF,
            "--target-path",
            str(tmp_path),
        ],
        env=environment,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    candidate = warehouse_paths(published).candidate
    assert f"Built the candidate {candidate}: not published" in result.stdout
    assert digest(published) == before
    candidate.unlink()


def test_compact_rewrites_a_swollen_candidate_without_changing_its_content(tmp_path: Path) -> None:
    from sales_warehouse.checksums import warehouse_checksums
    from sales_warehouse.publish import compact, free_share

    candidate = tmp_path / "warehouse.candidate.duckdb"
    with duckdb.connect(str(candidate)) as connection:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.kept as select range as id, range * 2 as value from range(200000)"
        )
        connection.execute(
            "create table marts.replaced as select range as id, md5(range::varchar) as h from range(500000)"
        )
        connection.execute("checkpoint")
        connection.execute("drop table marts.replaced")
        connection.execute("create table marts.replaced as select 1 as id")
        connection.execute("checkpoint")
    before_size, before = candidate.stat().st_size, warehouse_checksums(candidate, ("marts",))
    share = free_share(candidate)
    assert share > 0.3
    assert not compact(candidate, max_free_share=0.99)  # under the threshold: untouched
    assert candidate.stat().st_size == before_size
    assert compact(candidate, max_free_share=0.2)
    assert candidate.stat().st_size < before_size * (1 - share / 2)
    assert free_share(candidate) == 0
    assert warehouse_checksums(candidate, ("marts",)) == before
    assert not list(tmp_path.glob("*.compact*"))


def test_large_raw_exports_build_one_node_at_a_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above LARGE_BUILD_ORDER_LINES raw order lines a build runs with one dbt thread (memory);
    below it, or when SALES_WAREHOUSE_THREADS is set, the profile decides."""
    raw = tmp_path / "raw"
    raw.mkdir()
    with duckdb.connect() as con:
        con.execute(f"copy (select range as order_id from range(1000)) to '{raw / 'order_lines.parquet'}'")
    assert publish_module.raw_order_lines(raw) == 1000
    assert publish_module.raw_order_lines(tmp_path / "missing") is None
    environment = {"SALES_WAREHOUSE_RAW": str(raw)}
    assert publish_module.build_threads(environment) is None
    monkeypatch.setattr(publish_module, "LARGE_BUILD_ORDER_LINES", 999)
    assert publish_module.build_threads(environment) == "1"
    assert "1,000 raw order lines" in capsys.readouterr().out
    assert publish_module.build_threads({**environment, "SALES_WAREHOUSE_THREADS": "2"}) is None


def env_step(name: str) -> Step:
    """A step that writes the value of environment variable `name` into the candidate."""
    code = (
        "import duckdb, os; c = duckdb.connect(os.environ['SALES_WAREHOUSE_BUILD_DB']);"
        "c.execute('create schema if not exists marts');"
        f"c.execute('create or replace table marts.answer as select ? as value', [os.environ.get('{name}')]);"
        "c.close()"
    )
    return Step(f"read {name}", (PYTHON, "-c", code))


def test_dbt_file_log_is_info_unless_the_caller_sets_it(tmp_path: Path) -> None:
    published = tmp_path / "warehouse.duckdb"
    publish(published, env_step("DBT_LOG_LEVEL_FILE"))
    assert answer(published) == "info"
    build_and_publish(
        published,
        ROOT,
        lambda paths: [env_step("DBT_LOG_LEVEL_FILE")],
        environment={"DBT_LOG_LEVEL_FILE": "debug"},
    )
    assert answer(published) == "debug"


def test_python_models_get_one_blas_thread_unless_the_caller_sets_it(tmp_path: Path) -> None:
    published = tmp_path / "warehouse.duckdb"
    publish(published, env_step("OPENBLAS_NUM_THREADS"))
    assert answer(published) == "1"
    build_and_publish(
        published,
        ROOT,
        lambda paths: [env_step("OPENBLAS_NUM_THREADS")],
        environment={"OPENBLAS_NUM_THREADS": "2"},
    )
    assert answer(published) == "2"


def tables_step() -> Step:
    """A step that records the tables the candidate holds when it starts, then writes marts.answer."""
    code = (
        "import duckdb, os; c = duckdb.connect(os.environ['SALES_WAREHOUSE_BUILD_DB']);"
        "found = c.execute(\"select coalesce(string_agg(schema_name || '.' || table_name, ',' order by all), '')"
        ' from duckdb_tables()").fetchone()[0];'
        "c.execute('create schema if not exists marts');"
        "c.execute('create or replace table marts.answer as select ? as value', [found]); c.close()"
    )
    return Step("list tables", (PYTHON, "-c", code))


def test_a_full_build_starts_from_the_snapshots_and_the_publish_log_only(tmp_path: Path) -> None:
    """What a build cannot recompute (snapshot history, the publish log) is carried into the
    candidate; the models are built afresh. A build of selected models starts from the whole file."""
    published = tmp_path / "warehouse.duckdb"
    history = (
        "import duckdb, os; c = duckdb.connect(os.environ['SALES_WAREHOUSE_BUILD_DB']);"
        "c.execute('create schema if not exists snapshots');"
        "c.execute('create table snapshots.history as select 7 as version'); c.close()"
    )
    publish(published, write_step(1), Step("snapshot", (PYTHON, "-c", history)))
    publish(published, tables_step())
    assert answer(published) == "meta.publish_log,snapshots.history"
    with open_published(published) as connection:
        assert connection.sql("select version from snapshots.history").fetchall() == [(7,)]
        assert connection.sql("select count(*) from meta.publish_log").fetchone() == (2,)
    build_and_publish(published, ROOT, lambda paths: [tables_step()], environment={}, whole_copy=True)
    assert answer(published) == "marts.answer,meta.publish_log,snapshots.history"
