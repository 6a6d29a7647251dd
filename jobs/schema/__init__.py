"""JSON Schemas of what digest writes."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def record_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one record in `output/<batch>.jsonl`."""
    return json.loads(resources.files(__name__).joinpath("record.schema.json").read_text(encoding="utf-8"))
