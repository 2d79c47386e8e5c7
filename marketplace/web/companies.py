"""Public company pages, the company's own profile and showcase, and following challenges."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..forms.companies import ProfileForm, SolutionForm
from ..services.organisations import companies
from .forms_flow import submit_form

bp = Blueprint("companies", __name__)


@bp.get("/companies/<slug>")
def show(slug):
    organisation = companies.readable_organisation(current_user, slug)
    return render_template("companies/show.html", organisation=organisation,
                           sectors=companies.sectors_of(organisation),
                           solutions=companies.solutions_of(organisation))


def _profile_page(form, solution_form=None, status=200):
    organisation = current_user.organisation
    return render_template("companies/edit.html", form=form, organisation=organisation,
                           solution_form=solution_form or SolutionForm(formdata=None),
                           solutions=companies.solutions_of(organisation)), status


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def edit():
    organisation = companies.own_company(current_user)
    if request.method == "GET":
        form = ProfileForm(formdata=None, obj=organisation)
        form.sectors.data = companies.sectors_of(organisation)
        form.size.data = organisation.size or ""
        form.fill_address(organisation)
        return _profile_page(form)
    return submit_form(ProfileForm(), lambda form: companies.update_profile(current_user, {
                           **{name: getattr(form, name).data for name in ("name", "size", "website",
                                                                          "registration_number", "sectors",
                                                                          "capability_statement", "keywords")},
                           **form.address_data()}),
                       success=_("Your company profile is saved."), redirect_to=url_for(".edit"),
                       page=lambda form, status: _profile_page(form, status=status))


@bp.post("/account/profile/solutions")
@login_required
def add_solution():
    form = SolutionForm()
    companies.own_company(current_user)  # before the form is read: anyone else is answered 404, not 422
    return submit_form(form, lambda form: companies.add_solution(current_user, title=form.title.data,
                                                                 description=form.description.data, url=form.url.data),
                       success=_("The solution is on your public profile."),
                       redirect_to=url_for(".edit", _anchor="solutions"),
                       page=lambda form, status: _profile_page(ProfileForm(formdata=None, obj=current_user.organisation),
                                                               solution_form=form, status=status))


@bp.route("/account/profile/solutions/<int:solution_id>/edit", methods=["GET", "POST"])
@login_required
def edit_solution(solution_id):
    solution = companies.own_solution(current_user, solution_id)  # anyone else's: 404 before the form is read
    form = SolutionForm(formdata=None, obj=solution) if request.method == "GET" else SolutionForm()
    return submit_form(form, lambda form: companies.update_solution(
                           current_user, solution_id, title=form.title.data, description=form.description.data,
                           url=form.url.data),
                       success=_("The solution is saved on your public profile."),
                       redirect_to=url_for(".edit", _anchor="solutions"),
                       page=lambda form, status: (render_template("companies/edit_solution.html", form=form,
                                                                  solution=solution), status))


@bp.post("/account/profile/solutions/<int:solution_id>/remove")
@login_required
def remove_solution(solution_id):
    companies.remove_solution(current_user, solution_id)
    flash(_("The solution is removed from your profile."), "success")
    return redirect(url_for(".edit", _anchor="solutions"))


@bp.post("/challenges/<slug>/follow")
@login_required
def follow(slug):
    companies.follow(current_user, slug)
    flash(_("You follow this challenge: you will hear about answers and the deadline."), "success")
    return redirect(url_for("challenges.detail", slug=slug))


@bp.post("/challenges/<slug>/unfollow")
@login_required
def unfollow(slug):
    companies.unfollow(current_user, slug)
    flash(_("You no longer follow this challenge."), "success")
    return redirect(url_for("challenges.detail", slug=slug))
