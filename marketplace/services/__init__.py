"""The domain: rules and use cases. No request, form, view or Celery objects here."""
