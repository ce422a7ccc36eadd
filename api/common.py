"""What the API's views share: the person of a request, the errors every operation may
answer as the schema describes them, and cursor pages of a fixed number of queries."""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import OpenApiResponse
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

from accounts.models import User
from api.serializers import ErrorSerializer, PageSizeSerializer


def person(request: Request) -> User:
    """The signed-in person: IsAuthenticated lets no one else in."""
    return cast(User, request.user)


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


# The errors every operation may answer, as the schema describes them.
ERRORS = {
    401: error("No valid token: unknown, revoked or expired, or its person is gone."),
    403: error("Not for your role, or a read token asked to write."),
    429: error("Past the token's rate (API_RATE)."),
}
NOT_FOUND = {404: error("No such ticket, or not one you may see: the same answer.")}
INVALID = {400: error("What is wrong, by field (`detail` for the request as a whole).")}
NOT_JSON = {415: error("The body is not JSON.")}

PAGE_QUERY = [PageSizeSerializer]
BAD_CURSOR = {404: error("A `cursor` that is not one of this list's.")}


class Cursor(CursorPagination):
    """Pages of 50 (``page_size`` up to 200) in an order held by a unique key: for the
    tickets, the organisation's ticket number for customers (ticket_org_number), the id
    for staff."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-id"


def page(request: Request, found, ordering: str | tuple[str, ...], serializer, prepare=None):
    """One cursor page of ``found`` in ``ordering``, ``prepare`` run on its rows."""
    given = PageSizeSerializer(data=request.query_params.dict())
    given.is_valid(raise_exception=True)
    paginator = Cursor()
    paginator.ordering = ordering  # type: ignore[assignment]  # DRF takes a tuple too
    rows = paginator.paginate_queryset(found, request)
    if prepare is not None:
        prepare(rows)
    data = serializer(rows, many=True, context={"request": request}).data
    return paginator.get_paginated_response(data)
