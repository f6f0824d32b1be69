"""Pages of long lists that cost the same at any size: a paginator told its count (when
another query already has it), and a list view whose page's rows get their costly
columns only after the LIMIT."""

from django.core.paginator import Paginator


class CountedPaginator(Paginator):
    """A paginator told its count: no second COUNT over the same rows."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count = count  # a cached_property: set, it is never computed


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
