"""The reviewed normalised gold (annotations/normalized/<plan>.jsonl) joined
into the dataset: the `normalized` struct of every entity
(`entities.py`) and the `departments` config built from the plans' compact
summaries of their DEPT records (`departments.py`).
"""
