"""Pages of long lists that cost the same at any size: a paginator told its count (when
another query already has it), and a list view whose page's rows get their costly
columns only after the LIMIT."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# Rows a capped list counts at most: past them, it says "more than" instead of counting on.
COUNT_CAP = 1000


class CountedPaginator(Paginator):
    """A paginator told its count: no second COUNT over the same rows."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count = count  # a cached_property: set, it is never computed


class CappedPaginator(Paginator):
    """A paginator that counts at most ``cap`` rows (a COUNT over a LIMIT): counting the
    upcoming activities of a province read tens of thousands of rows for a page of twenty.
    Past the cap, ``capped`` is true, the pages stop at the cap's and the page says "of
    more than"; the filters narrow a list that long."""

    def __init__(self, object_list, per_page, *, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap
        self.capped = False

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "values"):  # a queryset: its ids only, none of its annotations
            rows = rows.values("pk")
        found = (
            rows[: self.cap + 1].count() if hasattr(rows, "count") else len(rows[: self.cap + 1])
        )
        self.capped = found > self.cap
        return min(found, self.cap)


class PageRowsMixin:
    """For a ``ListView`` whose ``get_queryset`` returns only what the filter, the order
    and the count need: ``page_rows(queryset, rows)`` turns the page's slice into the rows
    shown, with their joins and computed columns (a sliced subquery), so that work is done
    for the page, never for every row before the sort and the LIMIT."""

    def page_rows(self, queryset, rows):
        """Each list says how its page's rows get their columns: no default, as the rows
        as sliced would lack them (and a template reading them would query per row)."""
        raise NotImplementedError(f"{type(self).__name__} must define page_rows()")

    def paginate_queryset(self, queryset, page_size):
        paginator, page, rows, is_paginated = super().paginate_queryset(queryset, page_size)
        page.object_list = self.page_rows(queryset, rows)
        return paginator, page, page.object_list, is_paginated
