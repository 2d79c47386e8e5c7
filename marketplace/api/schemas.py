"""Schemas more than one part of the API answers with: problems, pages of results, references."""
from flask import request, url_for
from pydantic import BaseModel, ConfigDict, Field

from ..services.challenges.challenges import MAX_PAGE
from .operations import Output, Query, json_with_items


class FieldProblem(BaseModel):
    pointer: str | None = Field(None, description="JSON Pointer (as a URI fragment) to the body member at fault.")
    parameter: str | None = Field(None, description="The query parameter at fault.")
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details; `errors` lists each invalid field."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A URI naming the kind of problem; `about:blank` when the status says it all.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldProblem] | None = None


class Links(BaseModel):
    self: str
    first: str
    last: str
    prev: str | None
    next: str | None


class PageOf(Output):
    total: int = Field(description="How many items match, over all pages.")
    page: int
    per_page: int
    pages: int
    links: Links

    @classmethod
    def of(cls, page, present):
        """A service's Page as this schema, each item turned into its output model by `present`."""
        return cls(items=[present(item) for item in page.items], **cls._about(page))

    @classmethod
    def json_of(cls, page, item_texts):
        """The same answer already written (`operations.JsonText`), from its items already written (kept per
        item: `item_texts`, in the page's order)."""
        about = cls._about(page)
        about["links"] = about["links"].model_dump()
        return json_with_items(about, "items", item_texts)

    @staticmethod
    def _about(page):
        """Everything but the items: the counts and the links."""
        def link(number):
            args = request.args.to_dict(flat=False)
            args["page"] = number
            return url_for(request.endpoint, **(request.view_args or {}), **args, _external=True)

        return dict(total=page.total, page=page.page, per_page=page.per_page, pages=page.pages,
                    links=Links(self=link(page.page), first=link(1), last=link(page.pages),
                                prev=link(page.page - 1) if page.page > 1 else None,
                                next=link(page.page + 1) if page.page < page.pages else None))


class PageQuery(Query):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(20, ge=1, le=100, description="Items per page.")


class OrganisationRef(Output):
    slug: str
    name: str


class ChallengeRef(Output):
    slug: str
    title: str
