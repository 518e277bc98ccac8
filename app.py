"""Entry point: `flask --app app run`, `gunicorn app:app`."""
from hub import create_app

app = create_app()
