"""Everything one evaluation run measured, as one value that serialises to JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evaluation.scorer import Alignment


@dataclass(frozen=True)
class Evaluation:
    """Everything one evaluation run measured."""

    model: str
    config: str
    split: str
    scores: Any  # scorer.Scores
    per_plan: dict[str, Any]
    bootstrap: Any  # scorer.BootstrapResult | None
    confusion: Any  # scorer.ConfusionTable
    boundaries: Any  # scorer.BoundaryErrors
    alignment: Alignment
    problems: list[str] = field(default_factory=list)
    unaligned: list = field(default_factory=list)  # inputs.Unaligned: predicted strings not in the text
    string_entities: int = 0  # predictions given as strings, aligned or not
    slices: dict = field(default_factory=dict)  # report.slices: name -> [SliceScore]

    @property
    def unaligned_rate(self) -> float:
        return len(self.unaligned) / self.string_entities if self.string_entities else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "config": self.config,
            "split": self.split,
            "offsets": "Unicode code points, half-open [start, end)",
            "scores": self.scores.to_dict(),
            "per_plan": {plan: s.to_dict() for plan, s in self.per_plan.items()},
            "bootstrap": self.bootstrap.to_dict() if self.bootstrap else None,
            "confusion": self.confusion.to_dict(),
            "boundaries": self.boundaries.to_dict(),
            "alignment": self.alignment.to_dict(),
            "problems": self.problems,
            "slices": {name: [s.to_dict() for s in rows] for name, rows in self.slices.items()},
            "unaligned": {
                "count": len(self.unaligned),
                "string_entities": self.string_entities,
                "rate": self.unaligned_rate,
                "items": [u.to_dict() for u in self.unaligned],
            },
        }


def percent(value: float) -> str:
    """A ratio as a percentage with one decimal, as every report shows it."""
    return f"{100 * value:.1f}"
