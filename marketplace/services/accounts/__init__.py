"""People and their access: registration, sign-in, password resets, invitations, settings, organisation administration, API tokens and two-factor authentication."""
