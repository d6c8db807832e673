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

"""Discovery of option modules for registration and the sample generator."""

import importlib
import pkgutil

from oslo_config import cfg
from oslo_db import options as db_options
import oslo_messaging

from glance_tasks.common import internals
import glance_tasks.conf

# Modules in this package that hold no options of their own.
_NOT_OPTION_MODULES = frozenset({'opts'})


def option_modules():
    """Import and return every option module of ``glance_tasks.conf``."""
    names = sorted(
        info.name for info in pkgutil.iter_modules(glance_tasks.conf.__path__)
        if info.name not in _NOT_OPTION_MODULES)
    return [importlib.import_module('glance_tasks.conf.%s' % name)
            for name in names]


def list_opts():
    """Return ``[(group, [opts])]`` for oslo-config-generator."""
    listed = {}
    for module in option_modules():
        for group, group_opts in module.list_opts():
            listed.setdefault(group, []).extend(group_opts)
    return sorted(listed.items(), key=lambda item: str(item[0]))


def set_lib_defaults(conf=None):
    """Give library-owned options this service's defaults.

    oslo-config-generator calls this (``oslo.config.opts.defaults``) so the
    sample shows the values an operator really gets.
    """
    from glance_tasks.conf import database
    conf = conf if conf is not None else glance_tasks.conf.cfg.CONF
    db_options.set_defaults(conf, connection=database.DEFAULT_CONNECTION)
    # The sample generator reads the option objects, not ``conf``.
    cfg.set_defaults(db_options.database_opts,
                     connection=database.DEFAULT_CONNECTION)
    # Embedded default: notifications go to the log until an operator
    # points them at a message bus.
    oslo_messaging.set_transport_defaults(control_exchange='glance')
    # The default has to be set on oslo.messaging's own list (see there).
    notification_opts = internals.notifier_opts()
    cfg.set_defaults(notification_opts, driver=['log'])
    conf.register_opts(notification_opts,
                       group='oslo_messaging_notifications')


def register_group_opts(conf, group, opts):
    """Register ``opts`` under a fresh copy of ``group`` on ``conf``.

    oslo.config copies a registered group only shallowly, so registering
    one module-level group on several ``ConfigOpts`` objects would share
    its options' overrides between them (a test's override leaking into
    the next). The module-level group still serves ``list_opts``.
    """
    conf.register_group(cfg.OptGroup(group.name, title=group.title,
                                     help=group.help))
    conf.register_opts(opts, group=group.name)
