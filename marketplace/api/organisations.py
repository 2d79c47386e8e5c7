"""Organisations, public fields only: every agency and the verified companies; and who a token belongs to."""
from typing import Literal

from pydantic import Field

from ..models.organisation import COMPANY_SIZES, ORGANISATION_KINDS
from ..services.organisations import addresses, companies
from .operations import OPTIONAL, PUBLIC, REQUIRED, Output, Slug, operation
from .schemas import OrganisationRef, PageOf, PageQuery


class SolutionOut(Output):
    title: str
    description: str
    url: str | None


class AddressOut(Output):
    """A postal address as the organisation gave it."""

    street_address: str | None
    postal_code: str | None
    locality: str | None
    country: str | None = Field(description="ISO 3166-1 alpha-2 country code, such as BE.")

    @classmethod
    def of(cls, organisation):
        if not any(getattr(organisation, name) for name in addresses.LINES):
            return None
        return cls.model_validate(organisation)


class OrganisationOut(Output):
    slug: str
    name: str
    kind: Literal[ORGANISATION_KINDS]
    verified: bool = Field(description="Checked by the Agora team.")
    size: Literal[COMPANY_SIZES] | None = Field(description="Companies: micro, small, medium or large.")
    website: str | None
    address: AddressOut | None = Field(description="The organisation's postal address; null when it gave none.")
    sectors: list[str] = Field(description="CPV divisions the company works in.")
    keywords: str | None
    capability_statement: str | None
    solutions: list[SolutionOut]

    @classmethod
    def of(cls, organisation, profile=None):
        sectors, solutions = profile or (companies.sectors_of(organisation), companies.solutions_of(organisation))
        return cls(slug=organisation.slug, name=organisation.name, kind=organisation.kind,
                   verified=organisation.verified, size=organisation.size, website=organisation.website,
                   address=AddressOut.of(organisation),
                   sectors=sectors, keywords=organisation.keywords,
                   capability_statement=organisation.capability_statement,
                   solutions=[SolutionOut.model_validate(s) for s in solutions])


class OrganisationPage(PageOf):
    items: list[OrganisationOut]


class OrganisationQuery(PageQuery):
    kind: Literal[ORGANISATION_KINDS] | None = Field(None, description="Only agencies, or only companies.")


class Me(Output):
    name: str
    email: str
    organisation: OrganisationRef | None
    role: str | None = Field(description="Your role in the organisation: owner, publisher, procurement_officer, "
                                         "evaluator or member.")
    is_admin: bool


@operation("GET", "/organisations", tag="Organisations", auth=PUBLIC, query=OrganisationQuery,
           response=OrganisationPage)
def organisations(query):
    """Agencies and verified companies, by name; public profile fields only."""
    page = companies.listed_organisations(kind=query.kind, page=query.page, per_page=query.per_page)
    profiles = companies.public_profiles([o.id for o in page.items])  # the page's sectors and solutions at once
    return OrganisationPage.of(page, lambda o: OrganisationOut.of(o, profiles[o.id]))


@operation("GET", "/organisations/{slug}", tag="Organisations", auth=OPTIONAL, response=OrganisationOut)
def organisation(slug: Slug, user):
    """One agency or verified company.

    A company Agora has not verified yet is found only with the token of one of its people, of an agency's
    staff or of a platform admin, as on its page.
    """
    return OrganisationOut.of(companies.readable_organisation(user, slug))


@operation("GET", "/me", tag="Account", auth=REQUIRED, response=Me)
def me(user):
    """Who this token acts for."""
    return Me(name=user.name, email=user.email, role=user.role, is_admin=user.is_admin,
              organisation=OrganisationRef.model_validate(user.organisation) if user.organisation else None)
