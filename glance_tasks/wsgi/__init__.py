"""WSGI entry points for WSGI servers (uWSGI, mod_wsgi, gunicorn)."""
