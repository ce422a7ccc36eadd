"""Index types of PostgreSQL extensions that Django does not ship."""

from django.contrib.postgres.indexes import PostgresIndex


class RumIndex(PostgresIndex):
    """An index of the ``rum`` extension: like GIN it finds the documents that match a
    full-text query, and it also keeps each lexeme's positions, so that ``ORDER BY
    document <=> query LIMIT n`` reads the n best-ranked matches straight from the index
    instead of fetching and ranking every match."""

    suffix = "rum"
