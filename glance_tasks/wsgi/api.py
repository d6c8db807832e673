# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""``glance_tasks.wsgi.api:application`` for a WSGI server.

Configuration is read from ``GLANCE_TASKS_CONFIG_FILES`` (a
comma-separated list) when set, else from oslo.config's standard places
for the project ``glance-tasks`` (``/etc/glance-tasks/glance-tasks.conf``
and friends). The application is built on the first request -- after a
pre-forking server has forked, so no thread or database connection is
shared between workers -- and starts a
:class:`~glance_tasks.service.TaskService`, whose local executor runs task
flows in that process. The service stops when the process exits (uWSGI
runs ``atexit`` handlers in a worker it stops gracefully).

``etc/glance-tasks/glance-tasks-api-uwsgi.ini`` serves it with uWSGI; the
installation guide (``doc/source/admin/install.rst``) walks through it.
"""

import atexit
import os
import threading

from oslo_config import cfg
from oslo_log import log as logging

from glance_tasks.api import app as app_mod
from glance_tasks import conf as gt_conf
from glance_tasks.db import api as db_api
from glance_tasks.images import store
from glance_tasks import service as service_mod

CONFIG_FILES_ENV = 'GLANCE_TASKS_CONFIG_FILES'

_lock = threading.Lock()
_application = None


def _config_files():
    files = os.environ.get(CONFIG_FILES_ENV, '')
    return [name for name in files.split(',') if name] or None


def load_conf(args=None):
    """A registered ``ConfigOpts`` read from the files the env names."""
    conf = cfg.ConfigOpts()
    logging.register_options(conf)
    gt_conf.load(args or [], conf=conf,
                 default_config_files=_config_files())
    return conf


def build(conf):
    """Configure the database, start a TaskService; ``(app, service)``.

    The caller stops the service when it stops serving. A store
    configuration that cannot work raises
    :class:`~glance_tasks.images.store.ConfigurationError` first.
    """
    store.check_config(conf)
    db_api.configure(conf)
    service = service_mod.TaskService(conf)
    service.start()
    return app_mod.make_app(conf, service), service


def init_application():
    """The process-wide application, built once."""
    global _application
    with _lock:
        if _application is None:
            conf = load_conf()
            logging.setup(conf, 'glance-tasks')
            _application, service = build(conf)
            atexit.register(service.stop)
    return _application


def application(environ, start_response):
    """The WSGI callable; builds the app on the first request."""
    return init_application()(environ, start_response)
