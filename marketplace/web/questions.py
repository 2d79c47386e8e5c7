"""Asking and answering clarification questions on a challenge page."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..forms import apply_domain_errors
from ..forms.questions import AnswerForm, QuestionForm
from ..services import access
from ..services.challenges import questions
from ..services.errors import ValidationFailed

bp = Blueprint("questions", __name__)


@bp.app_context_processor
def question_helpers():
    return {"public_questions": questions.public_questions, "questions_open": questions.questions_open,
            "unanswered_questions": lambda c: questions.unanswered_questions(current_user, c),
            "max_question": questions.MAX_QUESTION, "max_answer": questions.MAX_ANSWER}


@bp.post("/challenges/<slug>/questions")
@login_required
def ask(slug):
    challenge = questions.challenge_for_asking(current_user, slug)
    form = QuestionForm()
    if form.validate():
        try:
            questions.ask_question(current_user, challenge, form.body.data)
        except ValidationFailed as exc:
            apply_domain_errors(form, exc)
        else:
            flash(_("Your question is sent. The answer will be published on this page for everyone, without your "
                    "company's name."), "success")
            return redirect(url_for("challenges.detail", slug=slug, _anchor="questions"))
    return render_template("questions/form.html", form=form, challenge=challenge, question=None,
                           heading=_("Ask a question"), field_name="body", max=questions.MAX_QUESTION,
                           action=url_for(".ask", slug=slug), button=_("Send question")), 422


@bp.post("/questions/<int:question_id>/answer")
@login_required
def answer(question_id):
    question = access.question_to_answer(current_user, question_id)
    form = AnswerForm()
    if form.validate():
        try:
            questions.answer_question(current_user, question, form.answer.data)
        except ValidationFailed as exc:
            apply_domain_errors(form, exc)
        else:
            flash(_("Your answer is published and sent to the companies concerned."), "success")
            return redirect(url_for("challenges.detail", slug=question.challenge.slug, _anchor="questions"))
    return render_template("questions/form.html", form=form, challenge=question.challenge, question=question,
                           heading=_("Answer a question"), field_name="answer", max=questions.MAX_ANSWER,
                           action=url_for(".answer", question_id=question.id), button=_("Publish the answer")), 422
