"""Asking and answering clarification questions on a challenge page."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..services import questions
from ..services.challenges import get_visible
from ..services.errors import ValidationFailed

bp = Blueprint("questions", __name__)


@bp.app_context_processor
def question_helpers():
    return {"public_questions": questions.public_questions, "questions_open": questions.questions_open,
            "unanswered_questions": lambda c: questions.unanswered_questions(current_user, c)}


def _page_with_error(slug, field, exc, status=422):
    challenge = get_visible(current_user, slug)
    return render_template("challenges/question_error.html", challenge=challenge, field=field,
                           messages=exc.errors.get(field) or [exc.message], value=request.form.get(field, "")), status


@bp.post("/challenges/<slug>/questions")
@login_required
def ask(slug):
    try:
        questions.ask_question(current_user, slug, request.form.get("body", ""))
    except ValidationFailed as exc:
        return _page_with_error(slug, "body", exc)
    flash(_("Your question is sent. The answer will be published on this page for everyone, without your "
            "company's name."), "success")
    return redirect(url_for("challenges.detail", slug=slug, _anchor="questions"))


@bp.post("/questions/<int:question_id>/answer")
@login_required
def answer(question_id):
    try:
        question = questions.answer_question(current_user, question_id, request.form.get("answer", ""))
    except ValidationFailed as exc:
        return _page_with_error(questions.challenge_of_question(question_id).slug, "answer", exc)
    flash(_("Your answer is published and sent to the companies concerned."), "success")
    return redirect(url_for("challenges.detail", slug=question.challenge.slug, _anchor="questions"))
