"""Quoting values and names into SQL text (DuckDB): the one place ingestion and mappings do it."""


def literal(value) -> str:
    """A string literal: 'it''s'."""
    return "'" + str(value).replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted identifier, safe for any header a file may carry (a " inside is doubled)."""
    return '"' + name.replace('"', '""') + '"'
