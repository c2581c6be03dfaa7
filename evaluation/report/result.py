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
        }


def percent(value: float) -> str:
    """A ratio as a percentage with one decimal, as every report shows it."""
    return f"{100 * value:.1f}"
