"""Indexes for the talent search and the member lists at a million members (issue 13),
on PostgreSQL only (SQLite, the trial's database, scans its few rows).

- The lists' order, by name in pinyin (``members.selectors.by_name``): with the index a
  page of 50 reads 50 rows in order, instead of sorting every member of the list.
- pg_trgm's trigram indexes on the searched text columns, as the search compares them
  (``UPPER(column) LIKE UPPER('%…%')``), and on the phone: a search of three or more
  characters reads the index instead of every row. pg_trgm finds trigrams in Chinese text
  when the database's character classification knows Chinese as letters, which C.UTF-8
  and zh_CN.UTF-8 do (tests/members/test_search_indexes.py checks the database's). One or
  two characters hold no trigram: such searches read the list in name order.

Built CONCURRENTLY, so a live database keeps taking writes while they build (about ten
seconds at a million members); hence not atomic.
"""

from django.db import DatabaseError, migrations

INDEXES = [
    ("member_name_pinyin_idx", 'members_member ((full_name COLLATE "zh-x-icu"), id)'),
    ("member_name_trgm_idx", "members_member USING gin (upper(full_name::text) gin_trgm_ops)"),
    ("member_employer_trgm_idx", "members_member USING gin (upper(employer::text) gin_trgm_ops)"),
    (
        "member_job_title_trgm_idx",
        "members_member USING gin (upper(job_title::text) gin_trgm_ops)",
    ),
    ("member_phone_trgm_idx", "members_member USING gin (phone gin_trgm_ops)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        raise RuntimeError(
            "The talent search needs PostgreSQL's pg_trgm extension, which this database "
            "user may not create. Ask the database's owner (PostgreSQL 13 and later) or a "
            "superuser to run CREATE EXTENSION pg_trgm; in this database, then migrate again."
        ) from error
    # A concurrent build that failed leaves an invalid index, which IF NOT EXISTS would
    # keep for good: dropped, to be built again.
    names = [name for name, _definition in INDEXES]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE NOT i.indisvalid AND c.relname = ANY(%s)",
            [names],
        )
        invalid = [row[0] for row in cursor.fetchall()]
    for name in invalid:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    for name, definition in INDEXES:
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _definition in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("members", "0005_national_id_not_unique"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
