"""Data contracts of the raw extracts, read from ``kefu/contracts/<entity>.yml``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

CONTRACT_DIR = Path(__file__).parent / "contracts"
TYPES = {"string", "int", "decimal", "date", "timestamp", "bool"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    pii: bool = False
    allowed: tuple | None = None
    min: float | None = None
    not_future: bool = False  # a time that cannot lie after the load (an event, not a plan)
    description: str = ""


@dataclass(frozen=True)
class Contract:
    entity: str
    title: str
    description: str
    grain: tuple[str, ...]
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def _load(path: Path) -> Contract:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    columns = []
    for raw in doc["columns"]:
        if raw["type"] not in TYPES:
            raise ValueError(f"{path}: column {raw['name']}: unknown type {raw['type']!r}")
        allowed = tuple(raw["allowed"]) if "allowed" in raw else None
        columns.append(Column(**{**raw, "allowed": allowed}))
    return Contract(doc["entity"], doc["title"], doc["description"].strip(), tuple(doc["grain"]), tuple(columns))


@cache
def contracts() -> dict[str, Contract]:
    found = {p.stem: _load(p) for p in sorted(CONTRACT_DIR.glob("*.yml"))}
    return found


def contract(entity: str) -> Contract:
    try:
        return contracts()[entity]
    except KeyError:
        raise KeyError(f"no data contract for extract {entity!r}; known: {sorted(contracts())}") from None
