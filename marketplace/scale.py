"""A national-scale data set for benchmarks: `flask seed-scale --challenges 50000 --companies 200000`.

Built with bulk inserts (PostgreSQL COPY through psycopg where no SQL expression is needed, Core `insert()`
with lists of rows in chunks otherwise), never the ORM one object at a time. Ids are given here and the
sequences moved past them at the end, so related rows need no round trip. Texts are composed from word lists
in English, French, Dutch and German, each challenge recording its language, with a long tail of rare words
(the district each names: DISTRICT_NAMES); challenges are in every status,
with pitches, questions, pilots, payments and notifications consistent with it. Company profiles come with
their sectors and their matching index (organisation_terms, by the same tokenizer matching uses; its triggers
count each term's companies, one row a term for the one COPY, in organisation_term_counts). At the end,
on PostgreSQL, `VACUUM (ANALYZE)` of the tables written gives the planner their statistics and sets their
visibility map (nothing is updated or deleted here, so there are no dead rows to reclaim: what a bulk load
lacks is statistics, and the map that lets index-only scans skip the table), so nobody has to run it by hand.

Deterministic for a given seed; adds to whatever the database holds (run it on an empty database).
"""
import random
import time
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import bindparam, func, insert, select, text

from .extensions import db
from .models import Challenge, Notification, Organisation, Pitch, Question, User, challenge_sectors
from .models.challenge import EvaluationCriterion, SuccessMeasure
from .models.match import organisation_terms
from .models.organisation import Membership, organisation_sectors
from .models.pilot import PaymentMilestone, Pilot
from .services.challenges.lifecycle import kind_ranks_pitches
from .services.challenges.markdown import with_html
from .services.challenges.search import LANGUAGES, postgresql_document, sqlite_document
from .services.clock import utcnow
from .services.matching.matching import fold_term_counts, profile_terms
from .services.organisations.cpv import DIVISIONS

CHUNK = 5000
STATUS_SHARES = (("draft", 8), ("published", 35), ("closed", 10), ("evaluating", 10), ("piloting", 12),
                 ("completed", 15), ("cancelled", 10))

# Per language: problems (subject phrases), places, and sentence patterns. {p} problem, {w} place, {n} number.
WORDS = {
    "en": {
        "problems": ["water leaks", "missed appointments", "traffic congestion", "air quality", "energy waste",
                     "long waiting lists", "flooded streets", "noise at night", "paper forms", "lonely elderly people",
                     "heat in classrooms", "litter in parks", "unsafe crossings", "late buses", "food waste"],
        "places": ["in schools", "in hospitals", "in the old town", "on regional roads", "in social housing",
                   "at the town hall", "in public libraries", "in sports centres", "along the canal", "in care homes"],
        "titles": ["Fewer {p} {w}", "Detect {p} {w} early", "Reduce {p} {w}", "Better data on {p} {w}"],
        "sentences": ["We see {p} {w} every week.", "About {n} % of cases are reported too late.",
                      "Residents complain about {p}.", "Our teams measure {p} by hand today.",
                      "The budget covers a pilot of {n} weeks.", "We want to halve {p} within two years.",
                      "Existing sensors are old and leaking data.", "Staff lose {n} hours a week on this."],
    },
    "fr": {
        "problems": ["fuites d'eau", "rendez-vous manqués", "embouteillages", "qualité de l'air",
                     "gaspillage d'énergie", "listes d'attente", "rues inondées", "bruit nocturne",
                     "formulaires papier", "personnes âgées isolées",
                     "chaleur dans les classes", "déchets dans les parcs", "passages dangereux", "bus en retard"],
        "places": ["dans les écoles", "dans les hôpitaux", "dans la vieille ville", "sur les routes régionales",
                   "dans les logements sociaux", "à l'hôtel de ville", "dans les bibliothèques", "le long du canal"],
        "titles": ["Moins de {p} {w}", "Détecter les {p} {w}", "Réduire les {p} {w}", "Mieux mesurer les {p} {w}"],
        "sentences": ["Nous constatons des {p} {w} chaque semaine.", "Environ {n} % des cas sont signalés trop tard.",
                      "Les habitants se plaignent des {p}.", "Nos équipes mesurent les {p} à la main.",
                      "Le budget couvre un projet pilote de {n} semaines.", "Chaque fuite coûte cher à la commune.",
                      "Les capteurs existants sont anciens.", "Le personnel perd {n} heures par semaine."],
    },
    "nl": {
        "problems": ["waterlekken", "gemiste afspraken", "files", "luchtkwaliteit", "energieverspilling",
                     "lange wachtlijsten", "overstroomde straten", "nachtelijk lawaai", "papieren formulieren",
                     "eenzame ouderen", "hitte in klaslokalen", "zwerfvuil in parken", "onveilige oversteekplaatsen"],
        "places": ["in scholen", "in ziekenhuizen", "in de oude binnenstad", "op gewestwegen", "in sociale woningen",
                   "in het stadhuis", "in bibliotheken", "langs het kanaal"],
        "titles": ["Minder {p} {w}", "Sneller {p} opsporen {w}", "Lekken en {p} {w} verminderen",
                   "Betere gegevens over {p} {w}"],
        "sentences": ["We zien elke week {p} {w}.", "Ongeveer {n} % van de gevallen wordt te laat gemeld.",
                      "Bewoners klagen over {p}.", "Onze ploegen meten {p} vandaag met de hand.",
                      "Het budget dekt een pilot van {n} weken.", "Elk lek kost de stad veel geld.",
                      "De bestaande sensoren zijn verouderd.", "Medewerkers verliezen {n} uur per week."],
    },
    "de": {
        "problems": ["Wasserlecks", "verpasste Termine", "Staus", "Luftqualität", "Energieverschwendung",
                     "lange Wartelisten", "überflutete Straßen", "nächtlicher Lärm", "Papierformulare",
                     "einsame ältere Menschen", "Hitze in Klassenzimmern", "Müll in Parks", "unsichere Übergänge"],
        "places": ["in Schulen", "in Krankenhäusern", "in der Altstadt", "auf Landstraßen", "im sozialen Wohnungsbau",
                   "im Rathaus", "in Bibliotheken", "entlang des Kanals"],
        "titles": ["Weniger {p} {w}", "{p} {w} früher erkennen", "{p} {w} verringern", "Bessere Daten zu {p} {w}"],
        "sentences": ["Wir sehen jede Woche {p} {w}.", "Etwa {n} % der Fälle werden zu spät gemeldet.",
                      "Anwohner beschweren sich über {p}.", "Unsere Teams messen {p} heute von Hand.",
                      "Das Budget deckt ein Pilotprojekt von {n} Wochen.", "Jedes Leck kostet die Stadt viel Geld.",
                      "Die vorhandenen Sensoren sind veraltet.", "Mitarbeiter verlieren {n} Stunden pro Woche."],
    },
}
CAPABILITIES = [
    "leak detection sensors for water networks", "appointment reminders by text message", "traffic data platform",
    "air quality monitoring", "energy management for public buildings", "patient flow software",
    "flood prediction models", "noise monitoring", "digital forms and case management", "care robots",
    "smart ventilation for schools", "waste collection routing", "computer vision for road safety",
    "fleet tracking for public transport", "food waste analytics", "open data portals", "cyber security audits",
]
# A long tail of rare words, as real texts have (a street, a district, a product): each challenge names one
# district, drawn so that a few names are in thousands of challenges and most in a handful or none. Without it
# every word of the data set was in 1,302 challenges or more, and a search for a rare word was never measured.
DISTRICT_NAMES = 30000
DISTRICT_SENTENCES = {"en": "The works concern the {x} district.", "fr": "Les travaux concernent le quartier {x}.",
                      "nl": "Het gaat om de wijk {x}.", "de": "Es geht um das Viertel {x}."}
_SYLLABLES = ["ba", "ko", "ri", "tu", "me", "sa", "vi", "lo", "ne", "du", "ga", "pe", "zo", "fi", "ha", "ju"]


def district_name(rank):
    """The name of the district of this rank (1 is the most often named), the same in every language: Bakori…"""
    digits = []
    for _ in range(4):
        rank, digit = divmod(rank, len(_SYLLABLES))
        digits.append(_SYLLABLES[digit])
    return "".join(digits).capitalize() + "n"


def _district(rng):
    """A district's rank, log-uniform over 1..DISTRICT_NAMES: rank 1 in about 7 % of challenges, rank 1,000 in one
    in 10,000, rank 10,000 in one in 100,000."""
    return int(DISTRICT_NAMES ** rng.random())


COMPANY_WORDS = ["Aqua", "Data", "Smart", "Civic", "Green", "Urban", "Care", "Flow", "Sense", "Grid", "Nova", "Pulse"]
AGENCY_KINDS = ["City of", "Municipality of", "Region of", "Water board of", "Hospital of", "Province of"]
TOWNS = ["Antwerp", "Ghent", "Liège", "Namur", "Bruges", "Leuven", "Mons", "Hasselt", "Aalst", "Mechelen",
         "Kortrijk", "Ostend", "Tournai", "Arlon", "Genk", "Eupen", "Wavre", "Charleroi", "Ypres", "Dinant"]


class _Writer:
    """Bulk rows into a table: COPY on PostgreSQL, insert() in chunks elsewhere."""

    def __init__(self, connection):
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.counts = {}

    def write(self, table, rows):
        table = getattr(table, "__table__", table)
        if not rows:
            return
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)
        if self.postgres:
            columns = list(dict.fromkeys(key for row in rows for key in row))
            cursor = self.connection.connection.driver_connection.cursor()
            with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row.get(c) for c in columns])
            return
        columns = list(dict.fromkeys(key for row in rows for key in row))
        rows = [{c: row.get(c) for c in columns} for row in rows]
        for start in range(0, len(rows), CHUNK):
            self.connection.execute(insert(table), rows[start:start + CHUNK])


def _next_id(connection, model):
    return (connection.scalar(select(func.max(model.id))) or 0) + 1


def _sentence(rng, language, pattern, problem=None):
    words = WORDS[language]
    return pattern.format(p=problem or rng.choice(words["problems"]), w=rng.choice(words["places"]),
                          n=rng.randint(3, 60))


def _statuses(count):
    """In the shares above, spread out so that even a few challenges have every status."""
    population = [status for status, share in STATUS_SHARES for _ in range(share)]  # 100 entries
    return [population[(i * 37) % len(population)] for i in range(count)]


def seed_scale(challenges=50000, companies=200000, seed=17, echo=None):
    """Add the data set; returns {table: rows added}. `echo(str)` hears of progress."""
    echo = echo or (lambda message: None)
    rng = random.Random(seed)
    started = time.monotonic()
    connection = db.session.connection()
    writer = _Writer(connection)
    now = utcnow().replace(microsecond=0)
    divisions = sorted(DIVISIONS)
    from .services.accounts.passwords import hash_password
    password_hash = hash_password("scale-data-set")  # one hash for everyone: nobody signs in as them

    # -- organisations, people ---------------------------------------------------------------------------
    agency_count = max(1, challenges // 100)
    org_id, user_id, membership_id = (_next_id(connection, m) for m in (Organisation, User, Membership))
    agencies = list(range(org_id, org_id + agency_count))
    company_ids = list(range(org_id + agency_count, org_id + agency_count + companies))
    orgs, sectors, terms, users, memberships = [], [], [], [], []
    user_of = {}
    for index, oid in enumerate(agencies):
        name = f"{AGENCY_KINDS[index % len(AGENCY_KINDS)]} {TOWNS[index % len(TOWNS)]} {index + 1}"
        orgs.append(dict(id=oid, kind="agency", name=name, slug=f"scale-agency-{oid}", verified=True, verified_at=now,
                         suspended=False, four_eyes_publishing=False, created_at=now, updated_at=now))
    for index, oid in enumerate(company_ids):
        capabilities = rng.sample(CAPABILITIES, 2)
        statement = f"We build {capabilities[0]} and {capabilities[1]} for public bodies in Belgium."
        keywords = ", ".join(capabilities[0].split()[:2])
        orgs.append(dict(id=oid, kind="company", name=f"{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_WORDS)} {oid}",
                         slug=f"scale-company-{oid}", verified=index % 7 != 6,
                         verified_at=now if index % 7 != 6 else None,
                         suspended=False, size=rng.choice(("micro", "small", "medium", "large")),
                         capability_statement=statement, keywords=keywords, four_eyes_publishing=False,
                         created_at=now, updated_at=now))
        for code in rng.sample(divisions, rng.randint(1, 3)):
            sectors.append(dict(organisation_id=oid, cpv_division=code))
        for term in sorted(profile_terms(statement, keywords)):
            terms.append(dict(term=term, organisation_id=oid))
    # A person for each agency and for one company in ten (they receive the notifications).
    people = agencies + company_ids[::10]
    for oid in people:
        uid = user_id + len(users)
        user_of[oid] = uid
        users.append(dict(id=uid, email=f"user{uid}@scale.example", name=f"Person {uid}", password_hash=password_hash,
                          is_admin=False, is_suspended=False, locale=rng.choice(LANGUAGES), session_version=1,
                          notification_preference="immediate", failed_sign_ins=0, created_at=now))
        memberships.append(dict(id=membership_id + len(memberships), user_id=uid, organisation_id=oid,
                                role="owner", created_at=now))
    writer.write(Organisation, orgs)
    writer.write(User, users)
    writer.write(Membership, memberships)
    writer.write(organisation_sectors, sectors)
    writer.write(organisation_terms, terms)
    fold_term_counts(connection)  # SQLite's triggers counted row by row; PostgreSQL's once for the COPY
    del orgs, terms
    echo(f"{agency_count} agencies, {companies} companies, {len(users)} people: {time.monotonic() - started:.0f} s")

    # -- challenges --------------------------------------------------------------------------------------
    challenge_id = _next_id(connection, Challenge)
    rows, challenge_sector_rows, criteria, measures = [], [], [], []
    listing = []  # (id, status, agency, kind, language)
    for index, status in enumerate(_statuses(challenges)):
        cid = challenge_id + index
        language = LANGUAGES[index % len(LANGUAGES)]
        words = WORDS[language]
        problem = rng.choice(words["problems"])
        title = _sentence(rng, language, rng.choice(words["titles"]), problem)
        title = title[0].upper() + title[1:]
        summary = " ".join(_sentence(rng, language, p, problem) for p in rng.sample(words["sentences"], 2))
        statement = "\n\n".join([_sentence(rng, language, p, problem if i % 2 == 0 else None)
                                  for i, p in enumerate(rng.sample(words["sentences"], 5))]
                                 + [DISTRICT_SENTENCES[language].format(x=district_name(_district(rng)))])
        agency = agencies[index % agency_count]
        kind = "market_consultation" if index % 10 == 9 else "call_for_solutions"
        # Published at least 50 days ago, so that a deadline 15–45 days later has passed: a closed challenge (and
        # its release) dated in the future would be a story the services could not have made.
        published = None if status == "draft" else now - timedelta(days=rng.randint(50, 900), minutes=index % 1440)
        if status == "published":
            published = now - timedelta(days=rng.randint(0, 40), minutes=index % 1440)
            deadline = now + timedelta(days=rng.randint(1, 60))
        elif status == "draft":
            deadline = now + timedelta(days=rng.randint(20, 90))
        else:
            deadline = published + timedelta(days=rng.randint(15, 45))
        low = Decimal(rng.choice((5, 10, 20, 50, 100))) * 1000
        row = dict(id=cid, agency_id=agency, created_by_id=user_of[agency], kind=kind, status=status, title=title,
                   slug=f"scale-{cid}", summary=summary[:500], problem_statement=statement, context="",
                   affected="", desired_outcomes="", constraints="", language=language,
                   budget_min=low, budget_max=low * rng.choice((2, 3, 4)), currency="EUR",
                   pilot_duration_weeks=rng.choice((8, 12, 16, 26)) if kind_ranks_pitches(kind) else None,
                   question_deadline=deadline - timedelta(days=10),
                   pitch_deadline=deadline, published_at=published,
                   closed_at=deadline if status not in ("draft", "published", "cancelled") else None,
                   cancelled_at=(published or now) + timedelta(days=3) if status == "cancelled" else None,
                   cancel_reason="The need was met another way." if status == "cancelled" else None,
                   consultation_summary=("Companies offered sensors and software." if kind == "market_consultation"
                                         and status == "completed" else None),
                   created_at=published or now, updated_at=published or now, version=1)
        rows.append(with_html("challenges", row))
        listing.append((cid, status, agency, kind))
        for code in rng.sample(divisions, rng.randint(1, 2)):
            challenge_sector_rows.append(dict(challenge_id=cid, cpv_division=code))
        if kind_ranks_pitches(kind):  # a market consultation ranks nothing and leads to no pilot
            criteria += [dict(challenge_id=cid, position=0, name="Fit with the problem", description="", weight=60),
                         dict(challenge_id=cid, position=1, name="Price", description="", weight=40)]
            measures.append(dict(challenge_id=cid, position=0, measure="Cases reported late", baseline="20 %",
                                 target="10 %"))
    _write_challenges(connection, writer, rows)
    writer.write(challenge_sectors, challenge_sector_rows)
    writer.write(EvaluationCriterion, _with_ids(connection, EvaluationCriterion, criteria))
    writer.write(SuccessMeasure, _with_ids(connection, SuccessMeasure, measures))
    del rows, criteria, measures
    echo(f"{challenges} challenges: {time.monotonic() - started:.0f} s")

    # -- pitches, questions, pilots, payments, notifications ---------------------------------------------
    pitches, questions, pilots, milestones, notifications = [], [], [], [], []
    pitch_id, pilot_id = _next_id(connection, Pitch), _next_id(connection, Pilot)
    for cid, status, agency, kind in listing:
        if status == "draft":
            continue
        bidders = rng.sample(company_ids, min(len(company_ids), rng.randint(2, 6)))
        selected = None
        for position, company in enumerate(bidders):
            if status == "published":
                pitch_status = "draft" if position % 2 else "submitted"
            elif status in ("piloting", "completed") and kind == "call_for_solutions":
                pitch_status = "selected" if position == 0 else "not_selected"
            elif status == "evaluating":
                pitch_status = "shortlisted" if position < 2 else "submitted"
            else:
                pitch_status = "submitted"
            pid = pitch_id + len(pitches)
            submitted = pitch_status != "draft"
            pitches.append(dict(id=pid, challenge_id=cid, company_id=company, created_by_id=user_of.get(company),
                                status=pitch_status, title=f"Pitch {pid}", summary="We have done this before.",
                                approach="A sensor network and a dashboard.", evidence="Three pilots in Flanders.",
                                trl=rng.randint(4, 9), pilot_price=Decimal(rng.randint(10, 90) * 1000),
                                pilot_duration_weeks=12 if kind_ranks_pitches(kind) else None, team="Four engineers.",
                                submitted_at=now - timedelta(days=rng.randint(1, 30)) if submitted else None,
                                receipt_digest=f"{pid:064x}" if submitted else None, created_at=now, updated_at=now))
            if pitch_status == "selected":
                selected = (pid, company)
        for number in range(rng.randint(0, 3)):
            answered = number % 3 != 2
            questions.append(dict(challenge_id=cid, organisation_id=rng.choice(bidders), body="Is there an API?",
                                  answer="Yes, a REST API." if answered else None,
                                  answered_by_id=user_of[agency] if answered else None,
                                  asked_at=now - timedelta(days=5),
                                  answered_at=now - timedelta(days=4) if answered else None))
        if selected:
            lid = pilot_id + len(pilots)
            budget = Decimal(rng.randint(20, 120) * 1000)
            stage = "running" if status == "piloting" else rng.choice(("adopted", "stopped"))
            start = (now - timedelta(days=rng.randint(30, 300))).date()
            pilots.append(dict(id=lid, challenge_id=cid, pitch_id=selected[0], agency_id=agency, company_id=selected[1],
                               owner_id=user_of[agency], started_by_id=user_of[agency], stage=stage,
                               stage_entered_at=now - timedelta(days=10), budget=budget, currency="EUR",
                               starts_on=start, ends_on=start + timedelta(weeks=12),
                               outcome_summary="It worked." if stage == "adopted" else None,
                               created_at=now, updated_at=now, version=1))
            for position in range(2):
                paid = status == "completed" or position == 0
                milestones.append(dict(pilot_id=lid, position=position, label=("Start", "Final report")[position],
                                       planned_amount=budget / 2, planned_on=start + timedelta(weeks=6 * position),
                                       paid_amount=budget / 2 if paid else None,
                                       paid_on=start + timedelta(weeks=6 * position) if paid else None))
        if status == "published":
            for company in bidders:
                if company in user_of:
                    notifications.append(dict(user_id=user_of[company], dedupe_key=f"scale-match-{cid}-{company}",
                                              kind="challenge.matched", title="A new challenge matches your profile",
                                              body="", link=f"/challenges/scale-{cid}", created_at=now))
        notifications.append(dict(user_id=user_of[agency], dedupe_key=f"scale-pitches-{cid}", kind="pitch.submitted",
                                  title="A company submitted a pitch", body="", link=f"/challenges/scale-{cid}",
                                  created_at=now, read_at=now if status != "published" else None))
    writer.write(Pitch, [with_html("pitches", row) for row in pitches])
    writer.write(Question, _with_ids(connection, Question, questions))
    writer.write(Pilot, [with_html("pilots", row) for row in pilots])
    writer.write(PaymentMilestone, _with_ids(connection, PaymentMilestone, milestones))
    writer.write(Notification, _with_ids(connection, Notification, notifications))
    echo(f"pitches, questions, pilots, payments, notifications: {time.monotonic() - started:.0f} s")

    if writer.postgres:  # ids were given here: move each sequence past them
        for table in sorted(_SERIAL_TABLES & set(writer.counts)):
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    db.session.commit()
    from .services.open_data import ocds_store
    writer.counts["ocds_releases"] = ocds_store.store_missing_releases()  # bulk rows stored no release of their own
    echo(f"OCDS releases: {time.monotonic() - started:.0f} s")
    if writer.postgres:
        # The tables written: their statistics for the planner, and the visibility map that lets an index
        # answer alone (index-only scans), as autovacuum would set it some time after a load. Without it
        # the first matches after the load read the table for every index entry: twice as slow.
        written = ", ".join(sorted({*writer.counts, "organisation_term_counts"}))  # that one by the index's triggers
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as autocommit:
            autocommit.execute(text(f"VACUUM (ANALYZE) {written}"))
    echo(f"done: {time.monotonic() - started:.0f} s")
    return writer.counts


_SERIAL_TABLES = {"organisations", "users", "memberships", "challenges", "evaluation_criteria", "success_measures",
                  "pitches", "questions", "pilots", "payment_milestones", "notifications"}


def _with_ids(connection, model, rows):
    first = _next_id(connection, model)
    for offset, row in enumerate(rows):
        row["id"] = first + offset
    return rows


def _write_challenges(connection, writer, rows):
    """Challenges with their search document, computed as the application computes it on save."""
    table = Challenge.__table__
    writer.counts["challenges"] = len(rows)
    if writer.postgres:
        for row in rows:
            row.update(doc_language=row["language"], doc_title=row["title"], doc_summary=row["summary"],
                       doc_problem=row["problem_statement"])
        statement = insert(table).values(search_vector=postgresql_document(
            bindparam("doc_language"), bindparam("doc_title"), bindparam("doc_summary"), bindparam("doc_problem")))
    else:
        for row in rows:
            row["search_vector"] = sqlite_document(row["language"], row["title"], row["summary"],
                                                   row["problem_statement"])
        statement = insert(table)
    for start in range(0, len(rows), CHUNK):
        connection.execute(statement, rows[start:start + CHUNK])
