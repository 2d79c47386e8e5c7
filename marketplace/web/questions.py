"""Asking and answering clarification questions on a challenge page."""
from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..forms.questions import AnswerForm, QuestionForm
from ..services import access
from ..services.challenges import questions
from .forms_flow import submit_form

bp = Blueprint("questions", __name__)


@bp.post("/challenges/<slug>/questions")
@login_required
def ask(slug):
    # Who may ask is decided here (404, 403); whether questions are still open is a rule of the state, answered on
    # the question's page with the text typed kept (a question sent as the deadline passed is not lost).
    challenge = access.challenge_for(current_user, "question.ask", slug)
    return submit_form(QuestionForm(), lambda form: questions.ask_question(current_user, challenge, form.body.data),
                       check_first=lambda: questions.challenge_for_asking(current_user, challenge),
                       success=_("Your question is sent. The answer will be published on this page for everyone, "
                                 "without your company’s name."),
                       redirect_to=url_for("challenges.detail", slug=slug, _anchor="questions"),
                       page=lambda form, status: _asking_page(form, challenge, status))


def _asking_page(form, challenge, status):
    closed = not questions.questions_open(challenge)
    if closed:  # nothing to send any more: the text stays to copy, without a button that would fail
        form.body.render_kw = {**(form.body.render_kw or {}), "readonly": True}
    return render_template("questions/form.html", form=form, challenge=challenge, question=None, closed=closed,
                           heading=_("Ask a question"), field_name="body", max=questions.MAX_QUESTION,
                           action=url_for(".ask", slug=challenge.slug), button=_("Send question")), status


@bp.post("/questions/<int:question_id>/answer")
@login_required
def answer(question_id):
    question = access.question_to_answer(current_user, question_id)
    return submit_form(AnswerForm(), lambda form: questions.answer_question(current_user, question, form.answer.data),
                       success=_("Your answer is published and sent to the companies concerned."),
                       redirect_to=url_for("challenges.detail", slug=question.challenge.slug, _anchor="questions"),
                       page=lambda form, status: (render_template(
                           "questions/form.html", form=form, challenge=question.challenge, question=question,
                           heading=_("Answer a question"), field_name="answer", max=questions.MAX_ANSWER,
                           action=url_for(".answer", question_id=question.id), button=_("Publish the answer")),
                           status))
