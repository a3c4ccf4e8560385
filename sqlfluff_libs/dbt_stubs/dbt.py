"""Stand-ins for dbt's cross-database macros (`{{ dbt.datediff(...) }}` and friends).

They only need to render plausible DuckDB SQL for linting. Any macro not listed here renders as a
function call with the same name and arguments (see `__getattr__`).
"""

from collections.abc import Callable, Iterable


def _join(values: Iterable[object]) -> str:
    return ", ".join(str(value) for value in values)


def datediff(first_date: str, second_date: str, datepart: str) -> str:
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def dateadd(datepart: str, interval: object, from_date_or_timestamp: str) -> str:
    return f"{from_date_or_timestamp} + interval ({interval}) {datepart}"


def date_trunc(datepart: str, date: str) -> str:
    return f"date_trunc('{datepart}', {date})"


def last_day(date: str, datepart: str) -> str:
    return f"last_day({date})"


def date(year: int, month: int, day: int) -> str:
    return f"cast('{year:04d}-{month:02d}-{day:02d}' as date)"


def date_spine(datepart: str, start_date: str, end_date: str) -> str:
    return (
        f"select cast(range as date) as date_{datepart} "
        f"from range({start_date}, {end_date}, interval 1 {datepart})"
    )


def cast(field: str, type: str) -> str:
    return f"cast({field} as {type})"


def safe_cast(field: str, type: str) -> str:
    return f"try_cast({field} as {type})"


def concat(fields: Iterable[str]) -> str:
    return f"concat({_join(fields)})"


def hash(field: str) -> str:
    return f"md5(cast({field} as varchar))"


def string_literal(value: object) -> str:
    return f"'{value}'"


def escape_single_quotes(expression: str) -> str:
    return expression.replace("'", "''")


def current_timestamp() -> str:
    return "now()"


def type_string() -> str:
    return "varchar"


def type_timestamp() -> str:
    return "timestamp"


def type_int() -> str:
    return "integer"


def type_bigint() -> str:
    return "bigint"


def type_numeric() -> str:
    return "numeric(28, 6)"


def type_float() -> str:
    return "double"


def type_boolean() -> str:
    return "boolean"


def __getattr__(name: str) -> Callable[..., str]:
    """Render any other dbt macro as `name(arguments)`."""
    if name.startswith("__"):
        raise AttributeError(name)

    def render(*args: object, **kwargs: object) -> str:
        return f"{name}({_join([*args, *kwargs.values()])})"

    return render
