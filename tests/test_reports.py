"""Reports: each component on known small data, page errors with page, line and cause, templated
pages and links, and the real pages on a built warehouse (numbers equal the marts and metric
exports; a role's site holds only what the role may read). The browser checks are in
test_reports_browser.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from sales_warehouse.reports import ReportError, SiteOptions, build_site
from sales_warehouse.reports.bars import bar_chart_svg
from sales_warehouse.reports.charts import Band, Series, line_chart_svg
from sales_warehouse.reports.components import Components
from sales_warehouse.reports.context import RenderContext
from sales_warehouse.reports.formats import format_value
from sales_warehouse.reports.markdown import markdown_to_html
from sales_warehouse.reports.queries import QueryError, Result, parameters_of, relations_read
from sales_warehouse.reports.shapes import funnel_svg, heatmap_svg, sparkline_svg

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside elements of interest."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {key: value or "" for key, value in attrs}))

    def find(self, tag: str, cls: str | None = None) -> list[dict[str, str]]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and (cls is None or cls in attrs.get("class", "").split())
        ]


def numbers(attrs: list[dict[str, str]], key: str) -> list[float]:
    return [float(item[key]) for item in attrs]


# ---------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        (1234567.891, "money", "¥1.23M"),
        (-1500, "money", "-¥1.50k"),
        (Decimal("1234.5"), "money0", "¥1,235"),
        (0.1234, "pct", "12.3%"),
        (0.05, "delta_pct", "+5.0%"),
        (-0.021, "pp", "-2.1 pp"),
        (2.5, "ratio", "2.50×"),
        (date(2025, 12, 1), "month", "Dec 2025"),
        (date(2025, 11, 30), "quarter", "2025 Q4"),
        (None, "money", "–"),
        (12, None, "12"),
        (3.14159, None, "3.14"),
    ],
)
def test_formats(value, fmt, expected):
    assert format_value(value, fmt) == expected


# ---------------------------------------------------------------- charts on known data


def test_line_chart_points_hold_their_values_and_higher_is_drawn_higher():
    xs = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    svg = line_chart_svg(
        xs,
        [Series("actual", (10.0, 30.0, 20.0)), Series("target", (15.0, 15.0, 15.0), dashed=True)],
        bands=[Band("80%", (5.0, 25.0, 15.0), (15.0, 35.0, 25.0))],
        refs=[("goal", 25.0)],
    )
    points = Elements(svg).find("circle", "pt")
    actual = [point for point in points if point["data-series"] == "actual"]
    assert [point["data-x"] for point in actual] == ["2025-01-01", "2025-02-01", "2025-03-01"]
    assert numbers(actual, "data-y") == [10, 30, 20]
    heights = numbers(actual, "cy")  # SVG y grows downwards
    assert heights[1] < heights[2] < heights[0]
    xs_drawn = numbers(actual, "cx")
    assert xs_drawn[0] < xs_drawn[1] < xs_drawn[2]
    # Jan->Feb (31 days) is drawn wider than Feb->Mar (28 days): a time axis, not categories
    assert xs_drawn[1] - xs_drawn[0] > xs_drawn[2] - xs_drawn[1]
    target_line = [path for path in Elements(svg).find("path", "line") if path["data-series"] == "target"]
    assert target_line and "stroke-dasharray" in target_line[0]
    assert len(Elements(svg).find("polygon", "band")) == 1
    assert numbers(Elements(svg).find("line", "ref"), "data-y") == [25]


def test_line_chart_breaks_at_missing_values():
    svg = line_chart_svg(["a", "b", "c", "d"], [Series("s", (1.0, None, 3.0, 4.0))])
    assert len(Elements(svg).find("circle", "pt")) == 3
    assert len(Elements(svg).find("path", "line")) == 2


def test_bar_chart_heights_are_proportional_and_stacks_sit_on_each_other():
    svg = bar_chart_svg(["a", "b"], [Series("s", (1.0, 2.0))], highlight=[False, True])
    bars = Elements(svg).find("rect", "bar")
    assert [bar["data-x"] for bar in bars] == ["a", "b"]
    assert numbers(bars, "data-y") == [1, 2]
    first, second = numbers(bars, "height")
    assert second == pytest.approx(2 * first, rel=0.02)
    assert bars[1]["fill"] == "#dc2626" and bars[0]["fill"] != "#dc2626"

    stacked = bar_chart_svg(["a"], [Series("low", (1.0,)), Series("high", (3.0,))], stacked=True)
    low, high = Elements(stacked).find("rect", "bar")
    assert float(high["y"]) + float(high["height"]) == pytest.approx(float(low["y"]), abs=0.2)
    assert float(high["height"]) == pytest.approx(3 * float(low["height"]), rel=0.02)


def test_horizontal_bars_grow_to_the_right_and_negative_values_to_the_left():
    svg = bar_chart_svg(["up", "down"], [Series("s", (2.0, -1.0))], horizontal=True)
    up, down = Elements(svg).find("rect", "bar")
    assert float(up["width"]) == pytest.approx(2 * float(down["width"]), rel=0.02)
    assert float(down["x"]) + float(down["width"]) == pytest.approx(float(up["x"]), abs=0.2)


def test_sparkline_funnel_and_heatmap_hold_their_data():
    spark = Elements(sparkline_svg([1.0, None, 3.0]))
    assert spark.find("polyline")[0]["data-values"] == "1,,3"
    assert sparkline_svg([5.0]) == ""

    funnel = funnel_svg(["lead", "deal", "won"], [100.0, 50.0, 10.0])
    steps = Elements(funnel).find("rect", "funnel-step")
    assert [step["data-x"] for step in steps] == ["lead", "deal", "won"]
    widths = numbers(steps, "width")
    assert widths[1] == pytest.approx(widths[0] / 2, rel=0.01)
    assert widths[2] == pytest.approx(widths[0] / 10, rel=0.01)
    assert "50.0% of previous" in funnel and "20.0% of previous" in funnel

    cells = {("mon", 9): 1.0, ("mon", 10): 3.0, ("tue", 9): 2.0}
    heat = heatmap_svg(["mon", "tue"], [9, 10], cells, highlighted=frozenset({("mon", 10)}))
    drawn = Elements(heat).find("rect", "cell")
    assert sorted((cell["data-x"], cell["data-y"], cell["data-value"]) for cell in drawn) == [
        ("mon", "10", "3"),
        ("mon", "9", "1"),
        ("tue", "9", "2"),
    ]
    framed = [cell for cell in drawn if "hl" in cell["class"]]
    assert [(cell["data-x"], cell["data-y"]) for cell in framed] == [("mon", "10")]
    shades = {cell["data-value"]: cell["fill"] for cell in drawn}
    assert shades["1"] != shades["3"]


# ---------------------------------------------------------------- components


def _render(call) -> tuple[str, RenderContext]:
    context = RenderContext("reps/index.html", {"reps/7": "reps/7.html", "index": "index.html"})
    token = call(Components(context).functions())
    html = markdown_to_html(token, context.blocks, context.page_link)
    return html, context


SALES = Result(
    "sales",
    ("sales_rep_id", "rep", "revenue", "target", "previous", "attainment", "trend"),
    (
        (7, "Ann", Decimal("1500.00"), Decimal("1000.00"), 1200.0, 1.5, [1.0, 2.0]),
        (8, "Bo", Decimal("800.00"), Decimal("1000.00"), 1000.0, 0.8, [2.0, 1.0]),
    ),
)


def test_big_value_shows_value_comparison_target_and_sparkline():
    html, _ = _render(
        lambda f: f["big_value"](
            SALES, "revenue", fmt="money0", comparison="previous", target="target", sparkline=True
        )
    )
    page = Elements(html)
    assert page.find("div", "bv-value")[0]["data-value"] == "1500.00"
    assert "¥1,500" in html
    assert "▲ +25.0%" in html  # 1500 vs 1200
    assert page.find("div", "bv-target")[0]["data-share"] == "1.5"
    assert page.find("polyline")[0]["data-values"] == "1500,800"


def test_data_table_formats_links_colours_sorts_and_limits_rows():
    html, _ = _render(
        lambda f: f["data_table"](
            SALES,
            columns=["rep", "revenue", "attainment", "trend"],
            fmt={"revenue": "money", "attainment": "pct"},
            color={"attainment": "target"},
            link="reps/{sales_rep_id}",
            totals=["revenue"],
            rows=1,
        )
    )
    page = Elements(html)
    assert [cell.get("data-v") for cell in page.find("td") if "num" in cell.get("class", "")][:2] == [
        "1500",
        "1.5",
    ]
    assert page.find("a")[0]["href"] == "7.html"  # from reps/index.html; rep 8 has no page: no link
    assert len(page.find("a")) == 1
    assert [cell.get("class") for cell in page.find("td") if cell.get("data-v") in ("1.5", "0.8")] == [
        "num good",
        "num bad",
    ]
    assert "¥1.50k" in html and "150.0%" in html
    assert len(page.find("svg", "sparkline")) == 2
    assert "¥2.30k" in html  # totals row
    assert len(page.find("tr", "more")) == 1 and page.find("button", "show-more")
    assert page.find("table", "sortable")


def test_empty_results_show_no_data():
    empty = Result("empty", ("month", "revenue"), ())
    for call in (
        lambda f: f["line_chart"](empty, x="month", y="revenue", title="Revenue"),
        lambda f: f["bar_chart"](empty, x="month", y="revenue"),
        lambda f: f["data_table"](empty),
        lambda f: f["big_value"](empty, "revenue"),
        lambda f: f["heatmap"](empty, x="month", y="month", value="revenue"),
        lambda f: f["funnel"](empty, stage="month", value="revenue"),
    ):
        html, _ = _render(call)
        assert "No data" in html and "<svg" not in html


def test_components_name_a_missing_column_and_a_wrong_option():
    with pytest.raises(KeyError, match="query 'sales' has no column 'revenu'"):
        _render(lambda f: f["line_chart"](SALES, x="rep", y="revenu"))
    with pytest.raises(ValueError, match="unknown format 'moneyy'"):
        _render(lambda f: f["big_value"](SALES, "revenue", fmt="moneyy"))
    with pytest.raises(ValueError, match="unknown color rule"):
        _render(lambda f: f["data_table"](SALES, color={"revenue": "rainbow"}))


def test_markdown_keeps_charts_side_by_side_and_tables_on_their_own():
    context = RenderContext()
    chart = context.place(lambda width: f'<svg width="{width:.0f}"></svg>', "chart")
    other = context.place(lambda width: f'<svg width="{width:.0f}"></svg>', "chart")
    table = context.place("<table></table>", "wide")
    html = markdown_to_html(
        f"# Title\n\nSome **bold** text.\n\n{chart}\n{other}\n{table}\n\n- a\n- b",
        context.blocks,
        context.page_link,
    )
    assert '<h1 id="title">Title</h1>' in html
    assert "<p>Some <strong>bold</strong> text.</p>" in html
    assert '<div class="row"><svg width="456"></svg><svg width="456"></svg></div>\n<table></table>' in html
    assert "<ul><li>a</li><li>b</li></ul>" in html


# ---------------------------------------------------------------- queries


def test_queries_read_only_marts_quality_and_metrics():
    with duckdb.connect() as connection:
        assert relations_read(connection, "with x as (select * from marts.a) select * from x, metrics.b") == [
            "marts.a",
            "metrics.b",
        ]
        for sql, message in (
            ("select * from staging.stg_orders", "reads staging.stg_orders"),
            ("select * from fct_orders", "reads fct_orders"),
            ("select * from read_csv('/etc/passwd')", "table function read_csv"),
            ("delete from marts.a", "not a SELECT"),
            ("select 1; select 2", "one SELECT per query"),
        ):
            with pytest.raises(QueryError, match=re.escape(message)):
                relations_read(connection, sql)
        with pytest.raises(QueryError, match="syntax error") as error:
            relations_read(connection, "select 1\nfrom marts.a\nwehre x")
        assert error.value.line == 3


def test_parameters_skip_strings_and_comments():
    assert parameters_of("-- the rep's $note\nselect '$x', \"$y\" where a = $rep /* $z */ and b = $rep") == [
        "rep"
    ]


# ---------------------------------------------------------------- pages on a small warehouse


@pytest.fixture
def small_site(tmp_path: Path):
    db = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(db)) as connection:
        for schema in ("marts", "metrics", "quality", "staging"):
            connection.execute(f"create schema {schema}")
        connection.execute(
            "create table marts.reps as select * from (values (1, 'Ann Li', 120.0), (2, 'Bo He', 80.0)) "
            "as t(sales_rep_id, rep_name, revenue)"
        )
        connection.execute("create table metrics.kpis as select date '2025-01-01' as month, 200.0 as revenue")
        connection.execute("create table staging.stg_reps as select 1 as sales_rep_id")
    reports = tmp_path / "reports"
    (reports / "reps").mkdir(parents=True)

    def build(pages: dict[str, str]) -> tuple[object, Path]:
        for name, text in pages.items():
            (reports / name).write_text(text)
        out = tmp_path / "site"
        options = SiteOptions(reports, out, db, ROOT, tmp_path / "target")
        return build_site(options), out

    return build


GOOD_INDEX = """---
title: Home
order: 1
---

```sql reps
select sales_rep_id, rep_name, revenue from marts.reps order by sales_rep_id
```

{{ data_table(reps, link='reps/{sales_rep_id}') }}
"""

REP_PAGE = """---
title: "Rep {{ rep_name }}"
pages: select sales_rep_id as rep, rep_name from marts.reps
---

```sql mine
select revenue from marts.reps where sales_rep_id = $rep
```

{{ params.rep_name }} sold {{ value(mine, 'revenue', fmt='num0') }}. Back to [home](index.md).
"""


def test_templated_pages_one_per_row_linked_from_their_index(small_site):
    report, out = small_site({"index.md": GOOD_INDEX, "reps/[rep].md": REP_PAGE})
    assert sorted(report.pages) == ["index.html", "reps/1.html", "reps/2.html"]
    rep = (out / "reps" / "2.html").read_text()
    assert "<title>Rep Bo He" in rep and 'Bo He sold <span class="value">80</span>' in rep
    assert '<a href="../index.html">home</a>' in rep
    links = [
        attrs["href"]
        for attrs in Elements((out / "index.html").read_text()).find("a")
        if "reps/" in attrs["href"]
    ]
    assert links == ["reps/1.html", "reps/2.html"]
    assert (out / "assets" / "reports.js").exists()


@pytest.mark.parametrize(
    ("page", "line", "cause"),
    [
        (
            "```sql reps\nselect rep_nme from marts.reps\n```\n",
            2,
            "query 'reps': Binder Error: Referenced column \"rep_nme\" not found",
        ),
        ("```sql reps\nselect *\nfrom marts.reps wher\nx\n```\n", 4, "query 'reps': syntax error"),
        ("```sql reps\nselect * from staging.stg_reps\n```\n", 2, "reads staging.stg_reps"),
        (
            "```sql reps\nselect * from marts.reps\n```\n\n{{ pie_chart(reps) }}\n",
            5,
            "unknown component 'pie_chart'",
        ),
        (
            "```sql reps\nselect * from marts.reps\n```\n\n\n{{ bar_chart(reps, x='rep_name', y='sales') }}\n",
            6,
            "bar_chart: query 'reps' has no column 'sales'",
        ),
        (
            "```sql reps\nselect * from marts.reps\n```\n\n{{ bar_chart(reps, x='rep_name', y='revenue', colour='red') }}\n",
            5,
            "unexpected keyword argument 'colour'",
        ),
        ("Text\n\n{{ data_table(orders) }}\n", 3, "unknown name 'orders'"),
        (
            "```sql reps\nselect * from marts.reps\n```\n\n{{ reps.first.sales }}\n",
            5,
            "query 'reps' has no column 'sales'",
        ),
        (
            "```sql reps\nselect * from marts.reps where sales_rep_id = $rep\n```\n",
            2,
            "uses $rep, which is not a parameter",
        ),
        ("See [the funnel](funnel.md).\n", 1, "link to 'funnel.md': no such page"),
        ("```sql\nselect 1\n```\n", 1, "name the query"),
        ("{% if %}\n", 1, "Jinja syntax"),
    ],
)
def test_bad_pages_name_page_line_and_cause(small_site, page, line, cause):
    front_matter = "---\ntitle: Broken\n---\n"  # three lines before the page text
    with pytest.raises(ReportError) as error:
        small_site({"index.md": "Home\n", "broken.md": front_matter + page})
    assert error.value.page == "reports/broken.md"
    assert error.value.line == line + 3, str(error.value)
    assert cause in error.value.cause
    assert str(error.value).startswith(f"reports/broken.md:{line + 3}: ")


def test_template_errors(small_site):
    with pytest.raises(ReportError, match=r"the pages query has no column 'rep'"):
        small_site({"reps/[rep].md": "---\npages: select sales_rep_id from marts.reps\n---\nText\n"})
    with pytest.raises(ReportError, match=r"two rows give the page reps/ann"):
        small_site({"reps/[rep].md": "---\npages: select 'Ann' as rep union all select 'ann'\n---\nText\n"})
    with pytest.raises(ReportError, match=r"needs `pages:`"):
        small_site({"reps/[rep].md": "Text\n"})


def test_empty_result_renders_no_data(small_site):
    page = "```sql nobody\nselect * from marts.reps where revenue < 0\n```\n\n{{ bar_chart(nobody, x='rep_name', y='revenue', title='Nobody') }}\n"
    _, out = small_site({"index.md": page})
    assert "No data" in (out / "index.html").read_text()


def test_an_existing_folder_that_is_not_a_site_is_never_replaced(small_site, tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "precious.txt").write_text("keep me")
    with pytest.raises(ReportError, match="not a reports site"):
        small_site({"index.md": GOOD_INDEX})
    assert (tmp_path / "site" / "precious.txt").read_text() == "keep me"


# ---------------------------------------------------------------- the project's pages on a built warehouse


@pytest.fixture(scope="module")
def project_site(built, tmp_path_factory):
    """The real reports/ rendered from the session's built warehouse (scale 0.2)."""
    _, db, target = built
    out = tmp_path_factory.mktemp("reports") / "site"
    report = build_site(SiteOptions(ROOT / "reports", out, db, ROOT, target))
    return report, out, db, target


def big_values(html: str) -> dict[str, float]:
    """Big value title -> its raw value (data-value)."""
    found = re.findall(r'<div class="bv-title">([^<]+)</div><div class="bv-value" data-value="([^"]*)"', html)
    return {title.replace("&#x27;", "'"): float(value) for title, value in found if value not in ("", "None")}


def test_every_page_is_built(project_site):
    report, out, db, _ = project_site
    with duckdb.connect(str(db), read_only=True) as connection:
        reps = connection.execute("select count(*) from marts.dim_sales_reps").fetchone()[0]
        teams = connection.execute("select count(*) from marts.dim_sales_teams").fetchone()[0]
        segments = connection.execute("select count(*) from marts.customer_segment_profiles").fetchone()[0]
    top = {path.name for path in out.glob("*.html")}
    assert {
        "index.html",
        "forecast.html",
        "funnel.html",
        "products.html",
        "service.html",
        "quality.html",
        "metrics.html",
    } <= top
    assert len(list((out / "reps").glob("*.html"))) == reps + 1
    assert len(list((out / "teams").glob("*.html"))) == teams + 1
    assert len(list((out / "customers").glob("*.html"))) == segments + 1
    assert len(list((out / "regions").glob("*.html"))) >= 2
    assert not report.left_out
    for path in out.rglob("*.html"):
        html = path.read_text()
        assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html, (
            path
        )


def test_overview_big_values_equal_the_metric_exports(project_site):
    _, out, db, _ = project_site
    shown = big_values((out / "index.html").read_text())
    with duckdb.connect(str(db), read_only=True) as connection:
        months = connection.execute(
            "select metric_time__month::date, revenue, orders, gross_margin, revenue_ytd "
            "from metrics.executive_kpis_monthly where revenue is not null order by 1"
        ).fetchall()
        last_day = connection.execute("select max(placed_date) from marts.order_revenue_daily").fetchone()[0]
    last_month = months[-1]
    assert last_month[0] == last_day.replace(day=1)
    quarter = [
        row
        for row in months
        if row[0].year == last_day.year and (row[0].month - 1) // 3 == (last_day.month - 1) // 3
    ]
    year = [row for row in months if row[0].year == last_day.year]
    assert shown["Revenue · month to date"] == pytest.approx(float(last_month[1]))
    assert shown["Revenue · quarter to date"] == pytest.approx(float(sum(row[1] for row in quarter)))
    assert shown["Revenue · year to date"] == pytest.approx(float(last_month[4]))
    assert shown["Orders · month to date"] == last_month[2]
    assert shown["Orders · year to date"] == sum(row[2] for row in year)
    assert shown["Gross margin · year to date"] == pytest.approx(float(sum(row[3] for row in year)))


def test_rep_pages_show_the_attainment_of_rep_performance_monthly(project_site):
    _, out, db, _ = project_site
    with duckdb.connect(str(db), read_only=True) as connection:
        rows = connection.execute(
            "select sales_rep_id, month_start_date, attainment_rate from marts.rep_performance_monthly "
            "qualify month_start_date = max(month_start_date) over (partition by sales_rep_id)"
        ).fetchall()
    assert rows
    for rep, month, attainment in rows:
        shown = big_values((out / "reps" / f"{rep}.html").read_text())
        expected = None if attainment is None else pytest.approx(attainment)
        assert shown.get(f"Attainment · {month:%b %Y}") == expected, rep


def test_metrics_catalogue_lists_every_metric(project_site):
    _, out, _, target = project_site
    metrics = json.loads((target / "semantic_manifest.json").read_text())["metrics"]
    html = (out / "metrics.html").read_text()
    listed = re.findall(r'<tr data-row="\d+"><td class="txt" data-v="([^"]+)"', html)
    assert sorted(listed) == sorted(metric["name"] for metric in metrics)
    assert html.count('class="spark"') >= 20  # monthly trends from the exports


def test_a_reps_site_shows_that_rep_only(built, tmp_path):
    _, db, target = built
    out = tmp_path / "rep_site"
    report = build_site(
        SiteOptions(ROOT / "reports", out, db, ROOT, target, role="sales_rep", login="rep_demo")
    )
    assert sorted(path.name for path in (out / "reps").glob("*.html")) == ["1.html", "index.html"]
    leaderboard = (out / "reps" / "index.html").read_text()
    assert len(re.findall(r'<tr data-row="\d+">', leaderboard)) == 1
    left_out = dict(report.left_out)
    assert "Overview" in left_out and "may not read" in left_out["Overview"]
    assert "Pages left out of this site" in (out / "index.html").read_text()
    with duckdb.connect(str(db), read_only=True) as connection:
        others = [
            row[0]
            for row in connection.execute(
                "select rep_name from marts.dim_sales_reps where sales_rep_id <> 1 and rep_name not in "
                "(select rep_name from marts.dim_sales_reps where sales_rep_id = 1)"
            ).fetchall()
        ]
    for path in out.rglob("*.html"):
        html = path.read_text()
        assert not [name for name in others if f">{name}<" in html], path


@pytest.mark.parametrize(
    ("role", "login"),
    [
        ("finance", None),
        ("marketing", None),
        ("bi_reader", None),
        ("sales_manager", "manager_demo"),
        ("regional_director", "director_demo"),
    ],
)
def test_every_role_gets_a_site(built, tmp_path, role, login):
    _, db, target = built
    report = build_site(
        SiteOptions(ROOT / "reports", tmp_path / "site", db, ROOT, target, role=role, login=login)
    )
    assert (tmp_path / "site" / "index.html").exists()
    assert "metrics.html" in report.pages  # definitions are for everyone


def test_the_command_line_builds_the_site(built, tmp_path):
    _, db, target = built
    out = tmp_path / "cli_site"
    result = subprocess.run(
        [
            str(BIN / "sales-warehouse"),
            "reports",
            "build",
            "--out",
            str(out),
            "--db",
            str(db),
            "--target-path",
            str(target),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"Wrote \d+ pages \(\d+ queries\) to .* in \d+\.\ds", result.stdout)
    missing = subprocess.run(
        [
            str(BIN / "sales-warehouse"),
            "reports",
            "build",
            "--out",
            str(out),
            "--db",
            str(tmp_path / "none.duckdb"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert missing.returncode == 1 and "no published warehouse" in missing.stderr
