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

"""A two-store configuration for tests: ``fast`` and ``slow``, both real
filesystem stores under the test's ``$state_path``.

``configure(conf)`` is what an operator writes::

    [DEFAULT]
    enabled_backends = fast:file, slow:file
    [glance_store]
    default_backend = fast
    [fast]
    filesystem_store_datadir = $state_path/fast
    [slow]
    filesystem_store_datadir = $state_path/slow

It fits :class:`~glance_tasks.tests.functional.api.fixtures.
APIEnvironment`'s ``before_app``.
"""

import os

from glance_tasks.conf import store as store_conf

STORES = {'fast': 'file', 'slow': 'file'}
DEFAULT = 'fast'
DESCRIPTIONS = {'fast': 'Fast local disk', 'slow': None}


def configure(conf, default=DEFAULT):
    conf.set_override('enabled_backends', dict(STORES))
    conf.set_override('default_backend', default, group='glance_store')
    store_conf.register_backend_opts(conf)
    for name in STORES:
        conf.set_override('filesystem_store_datadir',
                          '$state_path/%s' % name, group=name)
        conf.set_override('store_description', DESCRIPTIONS[name],
                          group=name)


def datadir(conf, name):
    """The directory of store ``name`` under ``conf``'s state path."""
    return os.path.join(conf.state_path, name)
