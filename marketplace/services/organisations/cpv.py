"""CPV divisions (two-digit level of the EU Common Procurement Vocabulary), in English and the reader's language.

Source: Common Procurement Vocabulary (CPV 2008), Commission Regulation (EC)
No 213/2008, division level. The English names are the canonical ones (open
data, matching); pages show them translated through the message catalogues.
"""
from flask_babel import LazyString, gettext, lazy_ngettext

from marketplace.formatting import reader_locale


def N_(name):
    """Marks a name for `pybabel extract` (N_ is one of its default keywords) and leaves it in English."""
    return name


DIVISIONS = {
    "03": N_("Agricultural, farming, fishing, forestry and related products"),
    "09": N_("Petroleum products, fuel, electricity and other sources of energy"),
    "14": N_("Mining, basic metals and related products"),
    "15": N_("Food, beverages, tobacco and related products"),
    "16": N_("Agricultural machinery"),
    "18": N_("Clothing, footwear, luggage articles and accessories"),
    "19": N_("Leather and textile fabrics, plastic and rubber materials"),
    "22": N_("Printed matter and related products"),
    "24": N_("Chemical products"),
    "30": N_("Office and computing machinery, equipment and supplies except furniture and software packages"),
    "31": N_("Electrical machinery, apparatus, equipment and consumables; lighting"),
    "32": N_("Radio, television, communication, telecommunication and related equipment"),
    "33": N_("Medical equipments, pharmaceuticals and personal care products"),
    "34": N_("Transport equipment and auxiliary products to transportation"),
    "35": N_("Security, fire-fighting, police and defence equipment"),
    "37": N_("Musical instruments, sport goods, games, toys, handicraft, art materials and accessories"),
    "38": N_("Laboratory, optical and precision equipments (excl. glasses)"),
    "39": N_("Furniture (incl. office furniture), furnishings, domestic appliances (excl. "
           "lighting) and cleaning products"),
    "41": N_("Collected and purified water"),
    "42": N_("Industrial machinery"),
    "43": N_("Machinery for mining, quarrying, construction equipment"),
    "44": N_("Construction structures and materials; auxiliary products to construction (except electric apparatus)"),
    "45": N_("Construction work"),
    "48": N_("Software package and information systems"),
    "50": N_("Repair and maintenance services"),
    "51": N_("Installation services (except software)"),
    "55": N_("Hotel, restaurant and retail trade services"),
    "60": N_("Transport services (excl. Waste transport)"),
    "63": N_("Supporting and auxiliary transport services; travel agencies services"),
    "64": N_("Postal and telecommunications services"),
    "65": N_("Public utilities"),
    "66": N_("Financial and insurance services"),
    "70": N_("Real estate services"),
    "71": N_("Architectural, construction, engineering and inspection services"),
    "72": N_("IT services: consulting, software development, Internet and support"),
    "73": N_("Research and development services and related consultancy services"),
    "75": N_("Administration, defence and social security services"),
    "76": N_("Services related to the oil and gas industry"),
    "77": N_("Agricultural, forestry, horticultural, aquacultural and apicultural services"),
    "79": N_("Business services: law, marketing, consulting, recruitment, printing and security"),
    "80": N_("Education and training services"),
    "85": N_("Health and social work services"),
    "90": N_("Sewage, refuse, cleaning and environmental services"),
    "92": N_("Recreational, cultural and sporting services"),
    "98": N_("Other community, social and personal services"),
}


def cpv_divisions():
    """{code: English name}, in code order."""
    return DIVISIONS


# {locale: {code: name}}: the catalogues are compiled once per process, so each language's names are looked
# up once too (the challenge list's sector filter names all 45 divisions on every page).
_names_by_locale = {}


def _names():
    locale = str(reader_locale())
    names = _names_by_locale.get(locale)
    if names is None:
        names = {division: gettext(name) for division, name in DIVISIONS.items()}
        names = _names_by_locale[locale] = (names, tuple((code, f"{code} – {name}") for code, name in names.items()))
    return names


def cpv_name(code):
    """The division's name in the reader's language (the code itself for an unknown one)."""
    if code not in DIVISIONS:
        return code
    return _names()[0][code]


def cpv_choices():
    """(code, "code – name") pairs for forms and filters, named in the language of the page that shows them."""
    return [(code, LazyString(lambda code=code: f"{code} – {cpv_name(code)}")) for code in DIVISIONS]


def cpv_choices_named():
    """cpv_choices() named now, in the reader's language: one tuple per language and process (the challenge list's
    sector filter, escaped once per tuple)."""
    return _names()[1]


def is_cpv_division(code):
    return code in DIVISIONS


def sector_problem(codes):
    """What a list of sector codes holding codes that are no CPV division is told, naming them (None when every
    code is known): one sentence for a company's profile, a challenge, a search and a saved search, on the pages
    and in the API. An unknown code is refused, never dropped: a dropped sector widens a search or an alert
    without a word."""
    unknown = [str(code) for code in dict.fromkeys(codes) if not is_cpv_division(code)]
    if not unknown:
        return None
    shown = ", ".join(code if len(code) <= 12 else code[:12] + "…" for code in unknown)
    return lazy_ngettext("There is no sector %(codes)s: choose sectors from the list.",
                         "There are no sectors %(codes)s: choose sectors from the list.", len(unknown), codes=shown)


def cpv_code(division):
    """The eight-digit CPV code of a division, as OCDS classifications name it."""
    return f"{division}000000"
