"""The pitch lifecycle (services/pitches/lifecycle.py): what each status means, asked by pages and services."""
import pytest

from marketplace.models.pitch import PITCH_STATUSES
from marketplace.services.pitches import lifecycle


def test_only_a_draft_or_a_withdrawn_pitch_waits_for_the_submit_button():
    assert [s for s in PITCH_STATUSES if lifecycle.STATES[s].awaits_submission] == ["draft", "withdrawn"]


def test_the_agency_s_decisions_close_a_pitch_and_only_a_shortlisting_leads_to_a_session():
    assert lifecycle.UNDECIDED == ("draft", "submitted", "withdrawn")
    assert [s for s in PITCH_STATUSES if lifecycle.state_named(s).shortlisted] == ["shortlisted"]
    assert [s for s in PITCH_STATUSES if lifecycle.state_named(s).selected] == ["selected"]


@pytest.mark.parametrize("status,word", [("draft", "Draft"), ("not_selected", "Not selected"),
                                         ("withdrawn", "Withdrawn"), ("archived", "archived")])
def test_each_status_has_one_word_and_an_unknown_one_shows_as_it_is(app_context, status, word):
    assert str(lifecycle.status_label(status)) == word
