"""Reports of an evaluation run: JSON (everything, `result.Evaluation.to_dict`),
Markdown (terminal and card) and a self-contained HTML page with inline SVG
plots (`svg`); strict scores by slice (`slices`: entity length, seen/unseen,
unit kind, script, plan) in all three.

Takes: an `Evaluation` from `evaluation.run`. Gives: files under
evaluation/reports/ or wherever `--out` points. Nothing comes after.
"""
