"""What the roster and the talent search share: a filtered, ordered member list whose
page is fetched cheaply at any size."""

from members import selectors
from volunteer_portal.paging import CountedPaginator, PageRowsMixin


class MemberListMixin(PageRowsMixin):
    """For a ``ListView`` of members whose ``get_queryset`` returns the filtered, ordered
    members (``selectors.member_search``), with no per-row annotations.

    - One aggregate gives the category counts shown above the list and the paginator's
      count (no second COUNT over the same join).
    - The page's rows get the account status and skills after the LIMIT
      (``selectors.member_page``).
    """

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        self.category_counts, total = selectors.category_counts(queryset)
        return CountedPaginator(
            queryset, per_page, count=total, orphans=orphans,
            allow_empty_first_page=allow_empty_first_page, **kwargs,
        )  # fmt: skip

    def page_rows(self, queryset, rows):
        return selectors.member_page(queryset, rows)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)  # paginates: counts the categories
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filterset=self.filterset,
            category_counts=self.category_counts,
            query_string=query.urlencode(),
        )
        return context
