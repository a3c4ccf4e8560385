"""Forecast benchmark: series per second for the whole pipeline (backtest, choice, forecast).

Builds regions x categories synthetic daily series from the generator's demand calendar
(sales_warehouse.calendar: trend, weekday and yearly season, Spring Festival, 618 / Double 11,
flash sales) over three years, plus their totals, then times in this one process, single-threaded:
the statsforecast import, the first call of each model (one-off set-up costs), and the pipeline
(`prepare_inputs` + `run_backtest` + `forecast_panel`, i.e. what the dbt models forecast_backtest
and sales_forecast do). Series per second counts every series, totals included, and is reported
on wall time and on CPU time (CPU time is what an otherwise idle core would take). MASE is
reported on the held-out evaluation cutoffs, not on the selection cutoffs the models were chosen on.

    .venv/bin/python benchmarks/bench_forecast.py                        # 7 x 7 (demo shape, 64 series)
    .venv/bin/python benchmarks/bench_forecast.py --regions 14 --repeat 2
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from sales_warehouse import calendar as demand
from sales_warehouse.forecast_series import day_array, forecast_calendar

ROOT = Path(__file__).resolve().parents[1]
START = date(2023, 1, 1)
END = date(2025, 12, 31)


def synthetic_sales(regions: int, categories: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    campaigns = demand.build_campaigns(START, END, rng)
    days = day_array(START, END)
    intensity = demand.demand_intensity(days, START, campaigns)
    frames = []
    for region in range(regions):
        for category in range(categories):
            orders = rng.poisson(rng.uniform(1.0, 10.0) * intensity)
            value = rng.uniform(50.0, 500.0)
            revenue = rng.gamma(np.maximum(orders, 1) * 2.0, value / 2.0) * (orders > 0)
            frames.append(
                pd.DataFrame(
                    {
                        "sales_date": days,
                        "region_code": f"region_{region:02d}",
                        "category": f"category_{category:02d}",
                        "net_revenue": revenue,
                        "units": orders,
                    }
                )[orders > 0]
            )
    holidays = pd.read_csv(ROOT / "seeds" / "holidays.csv")
    promotions = [(c.start, c.end) for c in campaigns if c.campaign_type != "festival"]
    return pd.concat(frames, ignore_index=True), forecast_calendar(START, END, 90, holidays, promotions)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--regions", type=int, default=7)
    parser.add_argument("--categories", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="timed pipeline runs (the best is reported)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    began = time.perf_counter()
    from sales_warehouse import forecasting  # imports statsforecast (and statsmodels, scipy)

    import_seconds = time.perf_counter() - began
    print(f"import sales_warehouse.forecasting (statsforecast): {import_seconds:.2f} s")

    daily, calendar = synthetic_sales(args.regions, args.categories, args.seed)
    config = forecasting.ForecastConfig()
    panel, design = forecasting.prepare_inputs(daily, calendar, config)
    n_series = len(panel.series_ids)

    # First calls: any one-off initialisation (statsforecast 2.x compiles nothing at run time).
    small = panel.revenue[-120:, :1]
    for name, function in forecasting.MODEL_FUNCTIONS.items():
        first = time.perf_counter()
        function(small, design.history[-120:], design.future[:28], config)
        after_first = time.perf_counter()
        function(small, design.history[-120:], design.future[:28], config)
        again = time.perf_counter()
        print(f"first call {name:20s} {after_first - first:6.3f} s, second {again - after_first:6.3f} s")

    best_wall, best_cpu = float("inf"), float("inf")
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        panel, design = forecasting.prepare_inputs(daily, calendar, config)
        backtest = forecasting.run_backtest(panel, design, config)
        middle = time.perf_counter()
        forecast = forecasting.forecast_panel(panel, design, forecasting.chosen_models(backtest), config)
        wall_seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"pipeline: backtest {middle - wall:.2f} s + forecast {time.perf_counter() - middle:.2f} s "
            f"= {wall_seconds:.2f} s wall, {cpu_seconds:.2f} s CPU"
        )
        best_wall, best_cpu = min(best_wall, wall_seconds), min(best_cpu, cpu_seconds)

    # Accuracy on the held-out evaluation cutoffs only: the choice was made on the selection cutoffs.
    accuracy = forecasting.held_out_mase(backtest)
    chosen, naive = accuracy["chosen_mase"].mean(), accuracy["baseline_mase"].mean()
    shares = accuracy["model_name"].value_counts()
    print(f"series: {n_series} ({args.regions} x {args.categories} + totals), forecast rows: {len(forecast)}")
    print(
        f"held-out mean MASE: chosen {chosen:.3f}, seasonal naive {naive:.3f}",
        f"({1 - chosen / naive:.0%} better); models chosen: {shares.to_dict()}",
    )
    print(f"series/s: {n_series / best_wall:.1f} (wall), {n_series / best_cpu:.1f} (CPU)")


if __name__ == "__main__":
    main()
