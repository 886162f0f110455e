"""What an import did, per resource type, and which files failed and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUTCOMES = ("created", "updated", "unchanged", "skipped")


@dataclass
class TypeCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    def add(self, other: TypeCounts) -> None:
        for outcome in OUTCOMES:
            setattr(self, outcome, getattr(self, outcome) + getattr(other, outcome))

    def as_dict(self) -> dict[str, int]:
        return {outcome: getattr(self, outcome) for outcome in OUTCOMES}


@dataclass
class FileFailure:
    path: Path
    reason: str
    entry_index: int | None = None

    def describe(self) -> str:
        where = f"entry {self.entry_index}: " if self.entry_index is not None else ""
        return f"{self.path}: {where}{self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": str(self.path), "entry": self.entry_index, "reason": self.reason}


@dataclass
class ImportReport:
    files: int = 0
    failed: list[FileFailure] = field(default_factory=list)
    types: dict[str, TypeCounts] = field(default_factory=dict)

    def add_bundle(self, counts: dict[str, TypeCounts]) -> None:
        for resource_type, type_counts in counts.items():
            self.types.setdefault(resource_type, TypeCounts()).add(type_counts)

    @property
    def resources(self) -> int:
        return sum(sum(c.as_dict().values()) for c in self.types.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "failed": [failure.as_dict() for failure in self.failed],
            "types": {name: self.types[name].as_dict() for name in sorted(self.types)},
        }

    def as_table(self) -> str:
        width = max([len("Resource type"), *(len(name) for name in self.types)])
        header = f"{'Resource type':<{width}}  " + "  ".join(f"{o.title():>9}" for o in OUTCOMES)
        lines = [header, "-" * len(header)]
        for name in sorted(self.types):
            counts = self.types[name].as_dict()
            lines.append(f"{name:<{width}}  " + "  ".join(f"{counts[o]:>9}" for o in OUTCOMES))
        lines.append(f"Files: {self.files}, failed: {len(self.failed)}")
        return "\n".join(lines)
