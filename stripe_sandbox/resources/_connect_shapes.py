"""Blank objects for the Connect resources: Stripe's published examples (`stripe/openapi`
fixtures3.json, MIT) kept in connect_templates.json, so a new object starts with exactly Stripe's
fields and nesting and each resource overwrites the values it owns."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any


@cache
def _templates() -> dict[str, dict[str, Any]]:
    return json.loads((Path(__file__).with_name("connect_templates.json")).read_text())


def template(name: str) -> dict[str, Any]:
    return copy.deepcopy(_templates()[name])
