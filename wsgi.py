"""gunicorn 'wsgi:app'"""
from marketplace import create_app, settle_for_serving

app = create_app()
settle_for_serving()
