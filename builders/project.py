"""Where things live, and nothing else: the folders of a project checkout
(`Paths`) and the package's own configuration and templates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent  # the checkout this package was installed from
CONFIG_DIR = PACKAGE_DIR / "config"
TEMPLATES_DIR = PACKAGE_DIR / "templates"


@dataclass(frozen=True)
class Paths:
    """The folders of one project checkout (the real one, or a scratch copy)."""

    root: Path = ROOT

    @property
    def seeds(self) -> Path:
        return self.root / "seeds"

    @property
    def corpus(self) -> Path:
        return self.root / "corpus"

    @property
    def annotations(self) -> Path:
        return self.root / "annotations"

    @property
    def results(self) -> Path:
        return self.root / "evaluation" / "results"
