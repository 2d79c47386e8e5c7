"""CPV divisions (two-digit level of the EU Common Procurement Vocabulary), shipped as data."""
import json
from functools import cache
from importlib import resources


@cache
def cpv_divisions():
    """{code: name}, in code order."""
    raw = json.loads(resources.files("marketplace.data").joinpath("cpv_divisions.json").read_text("utf-8"))
    return {row["code"]: row["name"] for row in raw["divisions"]}


def cpv_choices():
    return [(code, f"{code} – {name}") for code, name in cpv_divisions().items()]


def is_cpv_division(code):
    return code in cpv_divisions()


def cpv_code(division):
    """The eight-digit CPV code of a division, as OCDS classifications name it."""
    return f"{division}000000"
