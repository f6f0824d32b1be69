from django.urls import path, re_path

from service_requests.views import board, public, staff

app_name = "requests"

CODE = r"(?P<code>[2-9A-HJ-NP-Z]{12})"

urlpatterns = [
    # The public: ordering, the receipt, following, withdrawing, rating (by tracking code).
    path("new/", public.RequestCreateView.as_view(), name="new"),
    path("track/", public.LookupView.as_view(), name="lookup"),
    # Group members: their groups' open requests, and offering to help with one.
    path("board/", board.BoardView.as_view(), name="board"),
    path("board/<int:pk>/offer/", board.board_offer, name="board-offer"),
    re_path(rf"^{CODE}/$", public.track, name="track"),
    re_path(rf"^{CODE}/receipt/$", public.receipt, name="receipt"),
    re_path(rf"^{CODE}/withdraw/$", public.withdraw, name="withdraw"),
    re_path(rf"^{CODE}/rate/$", public.rate, name="rate"),
    # Staff: the queues, one request, its moves, entering one for someone.
    path("queue/", staff.RequestQueueView.as_view(), name="queue"),
    path("enter/", staff.RequestEnterView.as_view(), name="enter"),
    path("manage/<int:pk>/", staff.RequestDetailView.as_view(), name="detail"),
    path("manage/<int:pk>/invite/", staff.request_invite, name="invite"),
    path("manage/<int:pk>/<str:move>/", staff.request_move, name="move"),
]
