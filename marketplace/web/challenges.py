"""Challenge pages: the public list and detail, and the publisher's drafting, publishing and cancelling."""
from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup

from ..forms import apply_domain_errors
from ..forms.challenges import CancelForm, ChallengeForm, CorrectionForm, SendBackForm, SummaryForm
from ..models.challenge import CANCELLED, COMPLETED, PUBLIC_STATUSES
from ..services.challenges import amendments, challenges, lifecycle
from ..services import access, permissions
from ..services.challenges.challenges import ChallengeFilters
from ..services.challenges.page import challenge_page, kept_for_visitor
from ..services.matching import matching
from ..services.organisations.cpv import cpv_choices_named
from ..services.errors import InvalidTransition, ValidationFailed
from .forms_flow import submit_form
from .fragments import reader
from .i18n import from_local_input, shown_again, to_local_input
from .page_cache import cached_for_visitors

bp = Blueprint("challenges", __name__)


@bp.get("/challenges")
@cached_for_visitors
def index():
    filters = ChallengeFilters.from_args(request.args)
    page = challenges.search_challenges(filters, per_page=current_app.config["CHALLENGES_PER_PAGE"], listed=True)
    # The feed and the file of this list: its filters, not the list's page number (the feed pages itself, and the
    # file holds 10,000 rows a page: the list's page 2 was the file's empty second page).
    list_args = {name: values for name, values in request.args.to_dict(flat=False).items() if name != "page"}
    return render_template("challenges/index.html", page=page, filters=filters, list_args=list_args,
                           sectors=cpv_choices_named(),
                           status_choices=[(s, lifecycle.status_label(s)) for s in PUBLIC_STATUSES],
                           agencies=challenges.agencies_with_public_challenges(), max_query=challenges.MAX_QUERY)


@bp.get("/challenges/<slug>")
@cached_for_visitors
def detail(slug):
    # A visitor's page: its title and body written once per language and zone and kept (kept_for_visitor);
    # the layout around them (the flashed messages, the next page of the language switcher) at each request.
    kept = kept_for_visitor(current_user, slug, reader(), _written_body)
    if kept is not None:
        title, body = kept
        return render_template("challenges/detail.html", title=title, body=body)
    page = challenge_page(current_user, slug)
    return render_template("challenges/detail.html", title=page.challenge.title, **_body_values(page))


def _body_values(page):
    return dict(page=page, challenge=page.challenge, may_edit=page.may_edit, may_evaluate=page.may_evaluate,
                may_audit=page.may_audit, may_approve=page.may_approve)


def _written_body(page):
    return page.challenge.title, Markup(render_template("challenges/_detail_body.html", **_body_values(page)))


def _form_for(challenge, form_class=ChallengeForm):
    """The form filled with the challenge as it is: a draft's (ChallengeForm) or a published one's (CorrectionForm)."""
    form = form_class(formdata=None, obj=challenge)
    form.version.data = challenge.version
    form.question_deadline.data = to_local_input(challenge.question_deadline)
    form.pitch_deadline.data = to_local_input(challenge.pitch_deadline)
    for entry, criterion in zip(form.criteria, challenge.criteria):
        entry.form.name.data, entry.form.description.data = criterion.name, criterion.description
        entry.form.weight.data = criterion.weight
    if form_class is not ChallengeForm:
        return form
    form.sectors.data = challenge.sectors
    for entry, measure in zip(form.success_measures, challenge.success_measures):
        entry.form.measure.data, entry.form.baseline.data = measure.measure, measure.baseline
        entry.form.target.data = measure.target
    return form


def _render_form(form, challenge=None, status=200):
    if (form.errors and status == 422) or shown_again():
        try:  # the form's own checks failed (or it is shown again in another language): add the domain's, so
            # every problem shows at once
            challenges.check_draft(form.domain_data(from_local_input))
        except ValidationFailed as exc:
            apply_domain_errors(form, exc)
            status = 422
    return render_template("challenges/form.html", form=form, challenge=challenge, limits=challenges.LIMITS,
                           similar=matching.similar_for_editor(current_user, challenge),
                           sent_back=challenge and challenges.latest_send_back(challenge),
                           asked_by_you=challenge is not None
                           and challenge.approval_requested_by_id == current_user.id), status


@bp.route("/challenges/new", methods=["GET", "POST"])
@login_required
def new():
    permissions.require(current_user, "challenge.create", current_user.organisation)
    # With four eyes, the preview offers no publishing, only asking a colleague to approve.
    saved = (_("Your draft is saved. Preview it, then ask for approval when it is ready.")
             if current_user.organisation.four_eyes_publishing
             else _("Your draft is saved. Preview it, then publish it when it is ready."))
    return submit_form(ChallengeForm(), lambda form: challenges.create_draft(current_user,
                                                                             form.domain_data(from_local_input)),
                       success=saved,
                       redirect_to=lambda challenge: url_for(".preview", slug=challenge.slug),
                       page=lambda form, status: _render_form(form, status=status))


@bp.route("/challenges/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug):
    challenge = access.challenge(current_user, slug)
    permissions.require(current_user, "challenge.edit", challenge)
    if request.method == "GET":
        try:
            challenges.require_draft(challenge)
        except InvalidTransition as exc:  # published meanwhile (approved by a colleague, say): why, and where to go
            return render_template("challenges/not_a_draft.html", challenge=challenge, reason=exc.message,
                                   may_correct=amendments.may_correct_now(current_user, challenge)), 409
        return _render_form(_form_for(challenge), challenge)

    def save(form):
        asker = challenge.approval_requested_by  # the request a save withdraws (the service tells a colleague)
        challenges.update_draft(current_user, slug, form.domain_data(from_local_input),
                                expected_version=form.version.data)
        return asker

    return submit_form(ChallengeForm(), save, success=_saved_message, redirect_to=url_for(".preview", slug=slug),
                       page=lambda form, status: _render_form(form, challenge, status),
                       # Published meanwhile (by a second publisher, say): the reason, and what was typed kept.
                       check_first=lambda: challenges.require_draft(challenge))


def _saved_message(withdrawn_request_of):
    """What a save of the draft says, and whose request for approval it withdrew (None: nobody had asked)."""
    if withdrawn_request_of is None:
        return _("Your draft is saved.")
    if withdrawn_request_of.id == current_user.id:
        return _("Your draft is saved. Your request for approval is withdrawn: ask for approval again on the "
                 "preview once the draft is ready.")
    return _("Your draft is saved. The request for approval is withdrawn, and %(name)s, who asked for it, is told.",
             name=withdrawn_request_of.name)


def _preview(challenge, status=200, form=None):
    """The preview, where a draft is published or approved; `form` carries a refused button's reason."""
    return render_template("challenges/preview.html", challenge=challenge,
                           problems=challenges.publishable_problems(challenge),
                           sent_back=challenges.latest_send_back(challenge),
                           four_eyes=challenge.agency.four_eyes_publishing, form=form,
                           send_back_form=form if isinstance(form, SendBackForm) else SendBackForm(formdata=None),
                           may_approve=permissions.can(current_user, "challenge.approve", challenge)), status


@bp.get("/challenges/<slug>/preview")
@login_required
def preview(slug):
    challenge = access.challenge(current_user, slug)
    permissions.require(current_user, "challenge.edit", challenge)
    return _preview(challenge)


def _preview_button(slug, action, success, redirect_to):
    """A button of the preview (publish, ask for approval, approve): a refusal answers on the preview."""
    challenge = access.challenge(current_user, slug)
    permissions.require(current_user, "challenge.edit", challenge)  # only those who see the preview answer on it
    return submit_form(FlaskForm(), action, success=success, redirect_to=redirect_to,
                       page=lambda form, status: _preview(challenge, status, form))


@bp.post("/challenges/<slug>/publish")
@login_required
def publish(slug):
    return _preview_button(slug, lambda form: challenges.publish_challenge(current_user, slug),
                           _("Your challenge is published. Matching companies are being told about it."),
                           url_for(".detail", slug=slug))


@bp.post("/challenges/<slug>/request-approval")
@login_required
def request_approval(slug):
    return _preview_button(slug, lambda form: challenges.request_approval(current_user, slug),
                           _("A second publisher or your agency’s owner can now approve and publish the draft."),
                           url_for(".preview", slug=slug))


@bp.post("/challenges/<slug>/approve")
@login_required
def approve(slug):
    return _preview_button(slug, lambda form: challenges.approve_challenge(
                               current_user, slug, expected_version=request.form.get("version")),
                           _("You approved the draft; it is now published."), url_for(".detail", slug=slug))


@bp.post("/challenges/<slug>/send-back")
@login_required
def send_back(slug):
    challenge = access.challenge(current_user, slug)
    permissions.require(current_user, "challenge.edit", challenge)  # only those who see the preview answer on it
    return submit_form(SendBackForm(), lambda form: challenges.send_back(
                           current_user, slug, form.reason.data, expected_version=request.form.get("version")),
                       check_first=lambda: challenges.require_approval_asked(challenge),
                       success=_("The draft is back with its author, who is told why."),
                       redirect_to=url_for(".preview", slug=slug),
                       page=lambda form, status: _preview(challenge, status, form))


@bp.route("/challenges/<slug>/cancel", methods=["GET", "POST"])
@login_required
def cancel(slug):
    challenge = access.challenge(current_user, slug)
    permissions.require(current_user, "challenge.cancel", challenge)
    words = challenges.cancelling(challenge)
    return submit_form(CancelForm(cancelling=words),
                       lambda form: challenges.cancel_challenge(current_user, slug, form.reason.data),
                       success=str(words.done),
                       redirect_to=url_for(".detail", slug=slug),
                       check_first=lambda: lifecycle.require_move(challenge, CANCELLED),
                       page=lambda form, status: (render_template("challenges/cancel.html", form=form,
                                                                  challenge=challenge, words=words,
                                                                  refused=_refused(challenge, CANCELLED)), status))


def _refused(challenge, to):
    """Why `challenge` cannot move to `to` at all (the page then says so instead of offering a form), or None."""
    reason = lifecycle.reasons_against(challenge, to).get("")
    return str(reason) if reason else None


@bp.route("/challenges/<slug>/correct", methods=["GET", "POST"])
@login_required
def correct(slug):
    challenge = access.challenge(current_user, slug)
    refused, fixed = amendments.correction_form_state(current_user, challenge)
    form = CorrectionForm() if request.method == "POST" else _form_for(challenge, CorrectionForm)
    return submit_form(form, lambda form: amendments.correct_published_challenge(
                           current_user, challenge.id, form.domain_data(from_local_input, equal_treatment=not fixed),
                           expected_version=form.version.data),
                       success=_("The notice is published on the challenge page and sent to every company concerned."),
                       redirect_to=url_for(".detail", slug=slug),
                       page=lambda form, status: (render_template(
                           "challenges/correct.html", form=form, challenge=challenge, refused=refused, fixed=fixed,
                           unequal=amendments.UNEQUAL, limits=challenges.LIMITS,
                           reason_max=amendments.REASON_MAX), status))


@bp.route("/challenges/<slug>/summary", methods=["GET", "POST"])
@login_required
def consultation_summary(slug):
    challenge = access.challenge(current_user, slug)
    permissions.require(current_user, "challenge.edit", challenge)
    return submit_form(SummaryForm(), lambda form: challenges.publish_consultation_summary(current_user, slug,
                                                                                           form.summary.data),
                       success=_("The summary is published and the consultation is completed."),
                       redirect_to=url_for(".detail", slug=slug),
                       check_first=lambda: lifecycle.require_move(challenge, COMPLETED),
                       page=lambda form, status: (render_template("challenges/summary.html", form=form,
                                                                  challenge=challenge,
                                                                  refused=_refused(challenge, COMPLETED)), status))
