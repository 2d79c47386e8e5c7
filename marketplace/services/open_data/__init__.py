"""Public data: OCDS releases, the Atom feed and CSV exports, statistics, and the token that tells cached public pages when the data changed."""
