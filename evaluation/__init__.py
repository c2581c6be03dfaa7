"""Evaluation: score extraction models against the gold spans.

Offsets are Unicode code points, half-open [start, end).
"""

__version__ = "0.1.0"
