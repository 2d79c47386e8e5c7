"""OCDS releases written once: each change of a published challenge stores its release in the change's transaction.

Whoever writes (a service, the admin, seed data), a session that is about to commit rows of a contracting
process (the challenge, its questions, pitches, evaluation, pilots and their stages, milestones and outcomes, an
audit event naming it, or an organisation it names) gets, before the commit and in the same transaction:

- one release per lifecycle change not stored yet, built by `ocds.build_release` from the state now, dated
  when the change was recorded;
- when no change is new but what the process publishes differs from its last stored release (a renamed
  company, a corrected amount, a new milestone), one more release, "<ocid>-update-<n>", dated now.

Stored releases are never edited (`OcdsRelease` refuses it): a harvester reading with `since` sees every
correction as a new release. What is built is only what the builder publishes at that moment, so the blind
round and the seal hold for stored releases as they did for built ones. `flask ocds-store-releases` writes
the releases of processes that have none (data loaded before this existed, bulk loads).
"""
import json
from itertools import chain

from flask import has_app_context
from sqlalchemy import event, func, select, text, union
from sqlalchemy.orm import Session

from marketplace.extensions import db
from marketplace.formatting import rfc3339
from marketplace.models import (AuditEvent, Challenge, EvaluationCriterion, MeasureOutcome, OcdsRelease, Organisation,
                                PaymentMilestone, Pilot, PilotStageChange, Pitch, Question, SuccessMeasure, Evaluation)
from marketplace.services.challenges import lifecycle
from marketplace.services.clock import utcnow
from marketplace.services.open_data import ocds

BATCH = 200
RELEASES_LOCK = 7244118  # any constant, other than the audit chain's; the second key is the challenge id
UPDATE = "update"
_PENDING, _BUSY = "ocds_pending", "ocds_storing"
# Rows whose change can change what a process publishes, and how to find the process.
_BY_CHALLENGE = (Question, Pitch, Evaluation, Pilot, EvaluationCriterion, SuccessMeasure, AuditEvent)
_BY_PILOT = (PilotStageChange, PaymentMilestone, MeasureOutcome)


def _dumps(release):
    return json.dumps(release, ensure_ascii=False, separators=(",", ":"))


def _published(release):
    """What a release says about the process, without its own id, date and tag."""
    return {k: v for k, v in release.items() if k not in ("id", "date", "tag")}


def _update_tag(challenge, release):
    if release.get("contracts"):
        return "contractUpdate"
    if release.get("awards"):
        return "awardUpdate"
    return "planningUpdate" if lifecycle.surveys_the_market(challenge) else "tenderUpdate"


def _row(challenge_id, key, release, at):
    return OcdsRelease(challenge_id=challenge_id, ocid=release["ocid"], release_id=release["id"], change_key=key,
                       date=at, tag=release["tag"][0], release=_dumps(release))


def _lock(challenge_ids):
    """On PostgreSQL, one writer per process at a time until commit: two changes of one process at once store
    their releases one after the other (the second reads what the first stored) instead of one failing."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT count(pg_advisory_xact_lock(:key, id)) FROM unnest(CAST(:ids AS integer[])) "
                                "AS id"), {"key": RELEASES_LOCK, "ids": challenge_ids})


def _stored(challenge_ids):
    """{challenge id: (stored change keys, how many updates, the newest stored release as a dict)}."""
    keys, newest = {}, {}
    for challenge_id, key, row_id in db.session.execute(
            select(OcdsRelease.challenge_id, OcdsRelease.change_key, OcdsRelease.id)
            .where(OcdsRelease.challenge_id.in_(challenge_ids))):
        keys.setdefault(challenge_id, set()).add(key)
        newest[challenge_id] = max(newest.get(challenge_id, 0), row_id)
    texts = dict(db.session.execute(select(OcdsRelease.challenge_id, OcdsRelease.release)
                                    .where(OcdsRelease.id.in_(newest.values()))).all()) if newest else {}
    return {cid: (found, sum(k.startswith(UPDATE + "-") for k in found), json.loads(texts[cid]))
            for cid, found in keys.items()}


def _new_rows(process, history, stored, settings):
    challenge = process.challenge
    known, updates, newest = stored or (set(), 0, None)
    rows = []
    for change in history:
        key = ocds.change_key(change)
        if key not in known:
            rows.append(_row(challenge.id, key, ocds.build_release(process, history, change, settings), change.at))
    if rows or newest is None:
        return rows
    current = json.loads(_dumps(ocds.build_release(process, history, history[-1], settings)))
    if _published(current) == _published(newest):
        return []
    now, key = utcnow(), f"{UPDATE}-{updates + 1}"
    current.update(id=f"{current['ocid']}-{key}", date=rfc3339(now), tag=[_update_tag(challenge, current)])
    return [_row(challenge.id, key, current, now)]


def store_releases(challenge_ids, settings=None):
    """Store what is new in these processes (drafts have none); the caller commits. How many releases it stored."""
    settings = settings or ocds.publication_settings()
    ids, count = sorted(set(challenge_ids)), 0
    for start in range(0, len(ids), BATCH):
        histories = ocds.histories(ids[start:start + BATCH])  # published challenges only
        if not histories:
            continue
        _lock(sorted(histories))
        processes, stored = ocds.load(list(histories)), _stored(list(histories))
        for challenge_id in sorted(histories):
            rows = _new_rows(processes[challenge_id], histories[challenge_id], stored.get(challenge_id), settings)
            db.session.add_all(rows)
            count += len(rows)
        db.session.flush()
    return count


def store_missing_releases(echo=None):
    """Store the releases of every published challenge that has none yet, committing per batch; how many."""
    settings, total, after = ocds.publication_settings(), 0, 0
    while True:
        ids = db.session.scalars(
            select(Challenge.id).where(Challenge.published_at.is_not(None), Challenge.id > after,
                                       ~select(OcdsRelease.id).where(OcdsRelease.challenge_id == Challenge.id)
                                       .exists())
            .order_by(Challenge.id).limit(BATCH)).all()
        if not ids:
            return total
        total += store_releases(ids, settings)
        db.session.commit()
        after = ids[-1]
        if echo:
            echo(f"  stored {total} releases, up to challenge {after}")


def stored_count():
    return db.session.scalar(select(func.count()).select_from(OcdsRelease))


# ---- In the transaction of each change --------------------------------------------------------------------

def _note_touched(session, flush_context):
    if session.info.get(_BUSY):
        return
    pending = session.info.setdefault(_PENDING, {"challenges": set(), "pilots": set(), "organisations": set()})
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Challenge):
            pending["challenges"].add(obj.id)
        elif isinstance(obj, _BY_CHALLENGE):
            if obj.challenge_id is not None:
                pending["challenges"].add(obj.challenge_id)
        elif isinstance(obj, _BY_PILOT):
            pending["pilots"].add(obj.pilot_id)
        elif isinstance(obj, Organisation):
            pending["organisations"].add(obj.id)


def _challenges_of(pending):
    ids = set(pending["challenges"])
    queries = []
    if pending["pilots"]:
        queries.append(select(Pilot.challenge_id).where(Pilot.id.in_(pending["pilots"])))
    if pending["organisations"]:
        organisations = pending["organisations"]
        queries += [select(Challenge.id).where(Challenge.agency_id.in_(organisations)),
                    select(Pitch.challenge_id).where(Pitch.company_id.in_(organisations)),
                    select(Pilot.challenge_id).where(Pilot.company_id.in_(organisations))]
    if queries:
        ids.update(db.session.scalars(union(*queries)))
    ids.discard(None)
    return ids


def _store_before_commit(session):
    if session.info.get(_BUSY) or not has_app_context() or session is not db.session():
        return
    session.flush()  # the commit flushes after this hook: what is still unflushed must be noted now
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.info[_BUSY] = True
    try:
        ids = _challenges_of(pending)
        if ids:
            store_releases(ids)
    finally:
        session.info.pop(_BUSY, None)


def _forget(session, transaction):
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def install():
    """Called by the app factory (`create_app`); installing twice listens once."""
    for name, listener in (("after_flush", _note_touched), ("before_commit", _store_before_commit),
                           ("after_transaction_end", _forget)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
