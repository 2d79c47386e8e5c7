"""The licence of Agora's open data, asked from one place by everything that publishes it.

The OpenAPI document's `info.license`, the CSV's `Link: <…>; rel="license"` header, the Atom feed's `<rights>`,
the OCDS packages' `license` and the open data page all name the licence configured as `OPEN_DATA_LICENSE` (a URL)
and `OPEN_DATA_LICENSE_NAME` (its short name; known Creative Commons URLs need none).
"""
from dataclasses import dataclass

from flask import current_app

KNOWN_NAMES = {
    "https://creativecommons.org/publicdomain/zero/1.0/": "CC0 1.0",
    "https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
    "https://creativecommons.org/licenses/by-sa/4.0/": "CC BY-SA 4.0",
    "https://opendatacommons.org/licenses/odbl/1-0/": "ODbL 1.0",
}


@dataclass(frozen=True)
class Licence:
    url: str
    name: str


def open_data_licence():
    """The configured licence: its URL, and its name (the URL itself when neither configured nor known)."""
    url = current_app.config["OPEN_DATA_LICENSE"]
    return Licence(url=url, name=current_app.config.get("OPEN_DATA_LICENSE_NAME") or KNOWN_NAMES.get(url, url))
