"""Markdown rendering shared by every generated page (the dataset card, the
annotations README): tables and `{{ block }}` templates.
"""

from __future__ import annotations

import re


def render_template(template: str, blocks: dict[str, str]) -> str:
    """Fill `{{ name }}` placeholders; an unknown placeholder is an error."""

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in blocks:
            raise KeyError(f"README template uses {{{{ {name} }}}} but the build provides no such block")
        return blocks[name]

    return re.sub(r"\{\{\s*([a-z_]+)\s*\}\}", fill, template)


def markdown_table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)

