"""submit_form: the one way a page form is handled. A refusal shows the same page with what was typed."""
import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from marketplace.services.errors import InvalidTransition, NotAllowed, NotFound, StaleState, ValidationFailed
from marketplace.web.forms_flow import submit_form


class NoteForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired()])


def _submit(app, data, action, method="POST"):
    with app.test_request_context("/notes", method=method, data=data):
        answer = submit_form(NoteForm(), action, success=lambda result: f"Saved {result}.",
                             redirect_to=lambda result: f"/notes/{result}",
                             page=lambda form, status: ({"title": form.title.data, "errors": {
                                 **{name: f.errors for name, f in form._fields.items() if f.errors},
                                 None: form.form_errors}}, status))
        return answer, get_flashed_messages(with_categories=True)


def test_success_flashes_and_redirects(app):
    answer, flashed = _submit(app, {"title": "Pipes"}, lambda form: form.title.data.lower())
    assert (answer.status_code, answer.location) == (302, "/notes/pipes")
    assert flashed == [("success", "Saved pipes.")]


def test_a_get_shows_the_page(app):
    answer, flashed = _submit(app, {}, lambda form: pytest.fail("no service call on a GET"), method="GET")
    assert answer[1] == 200 and flashed == []


def test_the_forms_own_checks_keep_the_page(app):
    (page, status), flashed = _submit(app, {"title": ""}, lambda form: pytest.fail("not called"))
    assert status == 422 and "title" in page["errors"] and flashed == []


@pytest.mark.parametrize("error, status, where", [
    (ValidationFailed({"title": "Too vague."}), 422, "title"),
    (ValidationFailed({"": "Nothing fits."}), 422, None),
    (InvalidTransition("The challenge has closed."), 409, None),
    (StaleState("Someone else saved it first."), 409, None),
    (NotAllowed("Only the owner may do this."), 403, None),
])
def test_a_refusal_keeps_what_was_typed_with_the_reason(app, error, status, where):
    def refuse(form):
        raise error

    (page, answered), flashed = _submit(app, {"title": "My words"}, refuse)
    assert answered == status and flashed == []
    assert page["title"] == "My words"
    assert [str(m) for m in page["errors"][where]] == [error.message]


def test_not_found_stays_hidden_behind_the_error_handler(app):
    def hidden(form):
        raise NotFound()

    with pytest.raises(NotFound):
        _submit(app, {"title": "x"}, hidden)


def test_a_state_rule_asked_first_leads_before_any_field_error(app):
    def published_meanwhile():
        raise InvalidTransition("Only a draft can be changed.")

    with app.test_request_context("/notes", method="POST", data={"title": ""}):
        page, status = submit_form(NoteForm(), lambda form: pytest.fail("not called"), success="Saved.",
                                   redirect_to="/notes", check_first=published_meanwhile,
                                   page=lambda form, status: ((list(form.title.errors), form.form_errors), status))
    assert status == 409 and page == ([], ["Only a draft can be changed."])
