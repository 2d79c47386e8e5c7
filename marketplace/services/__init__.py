"""The domain: rules and use cases. No request, form, view or Celery objects here.

One package per part of the domain (accounts, organisations, challenges, pitches, evaluation,
pilots, matching, messaging, open_data); the modules every package leans on stay at this level:
`permissions` (who may do what), `errors` (domain exceptions), `clock`, `audit`, `paging`,
`bulk`, `signing`, `dashboard` and `health`.
"""
