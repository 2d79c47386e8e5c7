"""HTML blueprints: parse the form, call one service, flash, redirect."""
from . import session  # noqa: F401  (registers the user loader)
from .about import bp as about
from .account import bp as account
from .admin import bp as admin
from .auth import bp as auth
from .challenges import bp as challenges
from .companies import bp as companies
from .dashboard import bp as dashboard
from .main import bp as main
from .matches import bp as matches
from .notifications import bp as notifications
from .open_data import bp as open_data
from .pitches import bp as pitches
from .pilots import bp as pilots
from .evaluation import bp as evaluation
from .for_you import bp as for_you
from .questions import bp as questions

BLUEPRINTS = [
    main, auth, account, challenges, pitches, companies, dashboard, notifications,
    admin, pilots, evaluation, questions,
]
BLUEPRINTS.append(matches)
BLUEPRINTS.append(for_you)
BLUEPRINTS += [open_data, about]
