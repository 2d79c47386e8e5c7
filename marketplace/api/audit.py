"""The audit trail's anchors: its head digest and row count, recorded daily, for anyone to keep a copy of."""
from datetime import datetime
from typing import Literal

from pydantic import Field

from ..services import audit
from .operations import PUBLIC, Output, operation
from .schemas import PageOf, PageQuery


class Anchor(Output):
    id: int
    anchored_at: datetime
    kind: Literal["scheduled", "manual", "unkeyed"] = Field(
        description="`scheduled`: daily, by the platform; `manual`: by an operator; `unkeyed`: recorded at the "
                    "upgrade to keyed digests, for the rows before it.")
    row_count: int = Field(description="How many audit rows there were, up to and including `last_event_id`.")
    last_event_id: int | None = Field(description="The id of the newest audit row then (null: the trail was empty).")
    head_digest: str | None = Field(description="That row's digest (HMAC-SHA256, hex), which chains every row "
                                                "before it.")

    @classmethod
    def of(cls, anchor):
        return cls(**audit.anchor_as_dict(anchor))


class AnchorPage(PageOf):
    items: list[Anchor]


@operation("GET", "/audit/anchors", tag="Open data", auth=PUBLIC, query=PageQuery, response=AnchorPage)
def audit_anchors(query):
    """The anchors of the audit trail, newest first.

    Keep a copy: `flask verify-audit --anchors <file>` holds the trail against it, so a tail cut off or a chain
    rewritten later shows even if the database's own anchors were changed too.
    """
    return AnchorPage.of(audit.anchors_page(query.page, query.per_page), Anchor.of)
