"""URL slugs that stay unique per table."""
import re
import secrets
import unicodedata

from sqlalchemy import select

from marketplace.extensions import db


def slugify(text, max_length=80):
    # Punctuation and spaces of any script part words ("d’attente" as "d-attente", as "d'attente" is), before
    # the accents are taken off.
    text = "".join(c if unicodedata.category(c)[0] in "LMN" else " " for c in unicodedata.normalize("NFKD", text or ""))
    text = text.encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()
    return text[:max_length].strip("-") or "item"


def unique_slug(model, text):
    base = slugify(text)
    slug = base
    while db.session.scalar(select(model.id).where(model.slug == slug)) is not None:
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug
