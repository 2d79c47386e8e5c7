"""The background half of Agora: Celery bound to the Flask app, thin tasks, the beat schedule."""
