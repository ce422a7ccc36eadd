"""Index types of PostgreSQL extensions that Django does not ship."""

from django.contrib.postgres.indexes import PostgresIndex


class RumIndex(PostgresIndex):
    """An index of the ``rum`` extension: like GIN it finds the documents that match a
    full-text query, and it also keeps each lexeme's positions, so that ``ORDER BY
    document <=> query`` reads matches best-ranked first from the index.

    With ``attach`` and ``to`` (the ``rum_tsvector_addon_ops`` operator class), it also
    keeps a column of each row beside the document's entries, so that ``ORDER BY column
    <=| value LIMIT n`` hands out the matches in that column's order without fetching
    any row it does not return."""

    suffix = "rum"

    def __init__(self, *expressions, attach: str | None = None, to: str | None = None, **kwargs):
        if (attach is None) != (to is None):
            raise ValueError("RumIndex takes attach and to together")
        self.attach, self.to = attach, to
        super().__init__(*expressions, **kwargs)

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        if self.attach is not None:
            kwargs["attach"], kwargs["to"] = self.attach, self.to
        return path, args, kwargs

    def get_with_params(self) -> list[str]:
        if self.attach is None:
            return []
        # Column names of the model's own fields, never user input.
        return [f"attach = '{self.attach}'", f"to = '{self.to}'"]
