"""What a company's answer to a challenge is called, on every page and in every email that names it.

A call for solutions takes *pitches*, which are ranked and may lead to a pilot; a market consultation takes
*answers*, which are read to learn what the market offers (`lifecycle.ranks_pitches`). One rule, asked by
templates as `pitch_words(challenge)` and by services for emails: `words_for(challenge).submit_heading`, or
`words_for(challenge).say("received_titled", title=…)` for a sentence with values.

Each phrase is a whole sentence in both kinds, never a noun put into a sentence: other languages agree their
articles and participles with the noun (« votre pitch », « votre réponse »).
"""
from flask_babel import lazy_gettext as _l, lazy_ngettext

from marketplace.services.challenges import lifecycle

# {phrase: (a call for solutions' words, a market consultation's words)}
PHRASES = {
    "noun": (_l("Pitch"), _l("Answer")),
    "untitled": (_l("Untitled pitch"), _l("Untitled answer")),
    "yours": (_l("Your pitch"), _l("Your answer")),
    "yours_titled": (_l("Your pitch: %(title)s"), _l("Your answer: %(title)s")),
    "sign_in_to_write": (_l("Sign in to pitch"), _l("Sign in to answer")),
    "write": (_l("Write a pitch"), _l("Write an answer")),
    "edit": (_l("Edit your pitch"), _l("Edit your answer")),
    "continue_draft": (_l("Continue your draft pitch"), _l("Continue your draft answer")),
    "draft_not_submitted": (_l("Your draft pitch was not submitted."), _l("Your draft answer was not submitted.")),
    "received_on": (_l("Your pitch was received on %(when)s."), _l("Your answer was received on %(when)s.")),
    "you_withdrew": (_l("You withdrew your pitch on %(when)s: the agency will not read it."),
                     _l("You withdrew your answer on %(when)s: the agency will not read it.")),
    "you_withdrew_this": (_l("You withdrew this pitch on %(when)s: the agency will not read it."),
                          _l("You withdrew this answer on %(when)s: the agency will not read it.")),
    "open_withdrawn": (_l("Open your withdrawn pitch"), _l("Open your withdrawn answer")),
    "only_your_company": (
        _l("Only your company can see this pitch. The agency reads it after the deadline; other companies never do."),
        _l("Only your company can see this answer. The agency reads it after the deadline; other companies never "
           "do.")),
    "not_started": (_l("You have not started this pitch yet."), _l("You have not started this answer yet.")),
    "withdraw_until": (_l("You can withdraw your pitch until the deadline, and submit it again."),
                       _l("You can withdraw your answer until the deadline, and submit it again.")),
    "withdraw_button": (_l("Withdraw pitch"), _l("Withdraw answer")),
    "submit_heading": (_l("Submit your pitch"), _l("Submit your answer")),
    "submit_explained": (
        _l("When you submit, you get a receipt with the time and a digest of exactly what you sent. You can change "
           "or withdraw your pitch until the deadline."),
        _l("When you submit, you get a receipt with the time and a digest of exactly what you sent. You can change "
           "or withdraw your answer until the deadline.")),
    "submit_waits": (_l("You can submit your pitch once your email address is confirmed."),
                     _l("You can submit your answer once your email address is confirmed.")),
    "submit_button": (_l("Submit pitch"), _l("Submit answer")),
    "withdraw_question": (_l("Withdraw your pitch?"), _l("Withdraw your answer?")),
    "withdrawn_unread": (_l("The agency will not read a withdrawn pitch: it is as if you had not submitted it."),
                         _l("The agency will not read a withdrawn answer: it is as if you had not submitted it.")),
    "withdraw_later": (
        _l("You can submit it again until the deadline, %(when)s. After the deadline a withdrawn pitch cannot be "
           "submitted."),
        _l("You can submit it again until the deadline, %(when)s. After the deadline a withdrawn answer cannot be "
           "submitted.")),
    "withdraw_confirm": (_l("Yes, withdraw my pitch"), _l("Yes, withdraw my answer")),
    "only_submitted_withdrawn": (_l("Only a submitted pitch can be withdrawn."),
                                 _l("Only a submitted answer can be withdrawn.")),
    "back_to_yours": (_l("Back to your pitch"), _l("Back to your answer")),
    "receipt_heading": (_l("Receipt for your pitch"), _l("Receipt for your answer")),
    "changed_since_receipt": (_l("The pitch has changed since this receipt was issued."),
                              _l("The answer has changed since this receipt was issued.")),
    "all_receipts": (_l("All receipts for this pitch"), _l("All receipts for this answer")),
    "not_submitted_yet": (_l("This pitch has not been submitted yet."),
                          _l("This answer has not been submitted yet.")),
    "receipt_submitted": (_l("Receipt %(reference)s: your pitch for “%(title)s” is submitted"),
                          _l("Receipt %(reference)s: your answer to “%(title)s” is submitted")),
    "receipt_resubmitted": (_l("Receipt %(reference)s: your changed pitch for “%(title)s” is submitted"),
                            _l("Receipt %(reference)s: your changed answer to “%(title)s” is submitted")),
    "receipt_withdrawn": (_l("Receipt %(reference)s: your pitch for “%(title)s” is withdrawn"),
                          _l("Receipt %(reference)s: your answer to “%(title)s” is withdrawn")),
    "noun_label": (_l("Pitch:"), _l("Answer:")),
    "is_withdrawn": (_l("Your pitch is withdrawn: the agency will not read it."),
                     _l("Your answer is withdrawn: the agency will not read it.")),
    "read_after_deadline": (
        _l("The agency reads the pitches after the deadline, %(when)s. Until then no one outside your company can "
           "see yours."),
        _l("The agency reads the answers after the deadline, %(when)s. Until then no one outside your company can "
           "see yours.")),
    "change_until_deadline": (
        _l("Until the deadline you can change your pitch (each change is submitted at once, with a new receipt) or "
           "withdraw it."),
        _l("Until the deadline you can change your answer (each change is submitted at once, with a new receipt) "
           "or withdraw it.")),
    "invited": (_l("%(agency)s invites %(company)s to pitch: %(title)s"),
                _l("%(agency)s invites %(company)s to answer: %(title)s")),
    "invited_to_this": (_l("%(agency)s invites %(company)s to pitch for this challenge:"),
                        _l("%(agency)s invites %(company)s to answer this market consultation:")),
    "received": (_l("Pitches received"), _l("Answers received")),
    "closed_next": (
        _l("The pitch deadline has passed. Start the evaluation: each panel member declares any conflict of interest, "
           "then reads the pitches."),
        _l("The deadline has passed: read the answers, then publish a summary of what the market offered.")),
    "close_soon": (_l("Pitches for “%(title)s” close within 48 hours"),
                   _l("Answers to “%(title)s” close within 48 hours")),
    "still_draft": (_l("Your company’s pitch is still a draft: submit it before the deadline."),
                    _l("Your company’s answer is still a draft: submit it before the deadline.")),
    "received_titled": (_l("Pitches received: %(title)s"), _l("Answers received: %(title)s")),
    "sealed_until": (
        _l("Pitches are sealed until the deadline, %(when)s. Nobody at your agency can open them before then."),
        _l("Answers are sealed until the deadline, %(when)s. Nobody at your agency can open them before then.")),
    "none_received": (_l("No pitch was received."), _l("No answer was received.")),
}
# The phrases that say a number: {phrase: (a call for solutions' (singular, plural), a consultation's)}.
COUNTED = {
    "closed_arrived": (lazy_ngettext("“%(title)s” has closed: %(num)s pitch arrived",
                                     "“%(title)s” has closed: %(num)s pitches arrived", 1),
                       lazy_ngettext("“%(title)s” has closed: %(num)s answer arrived",
                                     "“%(title)s” has closed: %(num)s answers arrived", 1)),
}
# A challenge that never went out took nothing: its page of received pitches is headed so (a draft, a draft
# cancelled), in the words of its kind.
NEVER_PUBLISHED = {
    "draft": ((_l("No pitches yet"), _l("This challenge is not published yet: companies pitch once it is.")),
              (_l("No answers yet"), _l("This consultation is not published yet: companies answer once it is."))),
    "cancelled": ((_l("No pitches: never published"),
                   _l("This challenge was cancelled before it was published: no company could pitch.")),
                  (_l("No answers: never published"),
                   _l("This consultation was cancelled before it was published: no company could answer."))),
}


class Words:
    """The phrases of one kind of challenge: `words.submit_heading`, `words.say("received_on", when=…)`."""

    def __init__(self, consultation):
        self.consultation = consultation

    def __getattr__(self, phrase):
        try:
            return PHRASES[phrase][self.consultation]
        except KeyError:
            raise AttributeError(phrase) from None

    def say(self, phrase, **values):
        """The phrase with its values, translated when shown (a lazy message: a notice keeps its message id)."""
        return _l(PHRASES[phrase][self.consultation]._args[0], **values)

    def count(self, phrase, num, **values):
        """The phrase saying `num`, singular or plural in the language it is shown in."""
        singular, plural, _ = COUNTED[phrase][self.consultation]._args
        return lazy_ngettext(singular, plural, num, **values)

    def __eq__(self, other):
        return isinstance(other, Words) and other.consultation == self.consultation

    def __hash__(self):
        return hash(self.consultation)


WORDS = (Words(False), Words(True))


def words_for(challenge):
    """The words for the company's answers to this challenge: pitches, or a market consultation's answers."""
    return WORDS[not lifecycle.ranks_pitches(challenge)]


def never_published(challenge):
    """(heading, sentence) for the received pitches of a challenge that never went out, or None if it did."""
    if lifecycle.ever_published(challenge):
        return None
    draft = lifecycle.state_of(challenge).draft
    return NEVER_PUBLISHED["draft" if draft else "cancelled"][not lifecycle.ranks_pitches(challenge)]


# A list of a company's pitches to challenges of both kinds is headed by what it holds.
HEADINGS = {(False,): _l("Your pitches"), (True,): _l("Your answers"), (False, True): _l("Your pitches and answers")}


def heading_for(challenges):
    """The heading of a company's list of its pitches (and answers) to these challenges."""
    kinds = tuple(sorted({not lifecycle.ranks_pitches(challenge) for challenge in challenges})) or (False,)
    return HEADINGS[kinds]
