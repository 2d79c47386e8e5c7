"""URL slugs that stay unique per table."""
import re
import secrets
import unicodedata

from sqlalchemy import select

from marketplace.extensions import db


def slugify(text, max_length=80):
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()
    return text[:max_length].strip("-") or "item"


def unique_slug(model, text):
    base = slugify(text)
    slug = base
    while db.session.scalar(select(model.id).where(model.slug == slug)) is not None:
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug
