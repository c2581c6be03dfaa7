"""Any Python callable `text -> [(start, end, label), ...]` as a model,
named `python:module:function`.
"""

from __future__ import annotations

import importlib

from evaluation.models.base import AdapterError, Model


def python_model(spec: str) -> Model:
    module_name, _, function_name = spec.rpartition(":")
    if not module_name or not function_name:
        raise AdapterError(f"python:{spec}: expected python:module:function")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as error:
        raise AdapterError(f"python:{spec}: {error}") from error
    return lambda text: [(int(s), int(e), str(l)) for s, e, l in function(text)]

