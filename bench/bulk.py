"""
Writing many rows fast: PostgreSQL's COPY through psycopg 3, with the ids
chosen here so that related rows need no round trip to learn them.

Rows are tuples in the order of the columns given. A column the model no
longer has is dropped, and every other column of the model is filled from
its default, so the generator keeps working while other work adds fields
with defaults.
"""

import json
from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.utils import timezone


def _default_for(field: models.Field, now):
    if field.has_default():
        value = field.get_default()
    elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value = now
    elif field.null:
        return None
    elif isinstance(field, models.CharField | models.TextField):
        value = ""
    else:
        raise ValueError(
            f"{field.model.__name__}.{field.name} has no default: the bench generator must give it"
        )
    if isinstance(field, models.JSONField):
        return json.dumps(value)
    return value


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """
    COPY `rows` into the model's table. `columns` are attribute names
    (`round_id`, not `round`); the primary key must be among them.
    """
    now = timezone.now()
    fields = {field.attname: field for field in model._meta.concrete_fields}
    keep = [index for index, name in enumerate(columns) if name in fields]
    given = [columns[index] for index in keep]
    json_positions = [
        position for position, name in enumerate(given) if isinstance(fields[name], models.JSONField)
    ]
    missing = [field for name, field in fields.items() if name not in given]
    extra = tuple(_default_for(field, now) for field in missing)
    all_columns = [fields[name].column for name in given] + [field.column for field in missing]
    table = model._meta.db_table
    sql = f'COPY "{table}" ({", ".join(_quoted(all_columns))}) FROM STDIN'
    count = 0
    drop = len(keep) != len(columns)
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            if drop:
                row = tuple(row[index] for index in keep)
            if json_positions:
                row = list(row)
                for position in json_positions:
                    row[position] = json.dumps(row[position])
            copy.write_row((*row, *extra))
            count += 1
    return count


def _quoted(columns: list[str]) -> list[str]:
    return [f'"{column}"' for column in columns]


def next_id(model: type[models.Model]) -> int:
    """The first free id of a table (rows made by migrations come first)."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{model._meta.db_table}"')
        return cursor.fetchone()[0]


def reset_sequences(model_list: Iterable[type[models.Model]]) -> None:
    """Move each table's id sequence past the ids written by COPY."""
    with connection.cursor() as cursor:
        for model in model_list:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)'
            )
