"""Challenge and company slugs."""
from marketplace.services.challenges.slugs import slugify


def test_a_typographic_apostrophe_parts_words_like_a_straight_one():
    """French titles use ’ (the catalogue's apostrophe): "Moins d’attente" gave "moins-dattente", unlike the
    "moins-d-attente" of the same title typed with '. Found walking the French agency journey."""
    assert slugify("Moins d’attente aux urgences") == slugify("Moins d'attente aux urgences") == \
        "moins-d-attente-aux-urgences"
    assert slugify("Repérer les nids-de-poule « vite »") == "reperer-les-nids-de-poule-vite"
    assert slugify("Éclairage – 2027") == "eclairage-2027"
