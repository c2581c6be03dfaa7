"""Reports of an evaluation run: JSON (everything, `result.Evaluation.to_dict`),
Markdown (terminal and card) and a self-contained HTML page.

Takes: an `Evaluation` from `evaluation.run`. Gives: files under
evaluation/reports/ or wherever `--out` points. Nothing comes after.
"""
