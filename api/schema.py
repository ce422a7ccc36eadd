"""The API's OpenAPI schema, served by drf-spectacular and built once per language.

drf-spectacular builds the whole schema from the views on every request: a quarter of a
second of CPU, which anyone may ask for as often as they like. The schema depends only
on the code and the language it is written in (it is public, the same for every
visitor), so each process keeps the one it built for each language of the help desk. A
``lang`` that is not one of them is the visitor's own language, and a ``version`` query
parameter is not read: the API has one version, in its address.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils import translation
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response


def _supported(language: str | None) -> str | None:
    if not language:
        return None
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return None


class SchemaView(SpectacularAPIView):
    built: ClassVar[dict[str, Any]] = {}  # language → schema, for this process's life

    @extend_schema(exclude=True)  # as settings.SPECTACULAR_SETTINGS's SERVE_INCLUDE_SCHEMA
    def get(self, request, *args, **kwargs):
        language = _supported(request.GET.get("lang")) or translation.get_language()
        with translation.override(language):
            return self._get_schema_response(request)

    def _get_version_parameter(self, request) -> None:
        return None

    def _get_schema_response(self, request) -> Response:
        language = translation.get_language()
        if language not in self.built:
            self.built[language] = super()._get_schema_response(request).data
        filename = self._get_filename(request, None)
        return Response(
            data=self.built[language],
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )
