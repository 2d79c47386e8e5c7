"""Finding organisations by a part of their name, whatever its accents and case ("liege" finds "Liège"), the same
way on PostgreSQL (unaccent, installed with the challenge search) and SQLite (names folded here)."""
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Organisation
from marketplace.services.challenges.search import fold


def first_named(query, search, limit):
    """The first `limit` organisations of `query` (a select of Organisation, in the list's order) whose name holds
    `search`, accents and case aside; the first `limit` of all of them when `search` is blank."""
    wanted = fold((search or "").strip())
    if not wanted:
        return db.session.scalars(query.limit(limit)).all()
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.scalars(query.where(func.lower(func.unaccent(Organisation.name)).contains(
            wanted, autoescape=True)).limit(limit)).all()
    # SQLite has no unaccent: the names alone are read in the list's order and folded as they come, up to `limit`.
    ids = []
    for organisation_id, name in db.session.execute(query.with_only_columns(Organisation.id, Organisation.name)):
        if wanted in fold(name):
            ids.append(organisation_id)
            if len(ids) == limit:
                break
    found = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))} if ids else {}
    return [found[organisation_id] for organisation_id in ids]
