"""WSGI entry point: `gunicorn wsgi:app` and `flask --app wsgi <command>`."""
from booking import create_app

app = create_app()
