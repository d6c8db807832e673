"""The Glance v2 compatible HTTP API: tasks, images, schemas, versions.

``app.make_app(conf, service)`` builds the WSGI application; routes are a
dict in :mod:`glance_tasks.api.router`, handlers are functions of the
request in :mod:`glance_tasks.api.handlers`, and
:mod:`glance_tasks.api.errors` is the one place exceptions become HTTP
errors.
"""
