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

"""What the benchmarks under ``tools/`` share.

Each benchmark imports this module from its own directory (run them as
``python tools/bench_*.py``). The service is configured and started as
the functional tests do it (:mod:`glance_tasks.tests.functional.service`:
the package is installed in the venv the benchmarks run in).
"""

import os

from oslo_config import cfg
from oslo_log import log as logging

from glance_tasks.tests.functional import service


def service_config(state_path, database_url=None, task_types=('noop',),
                   **choices):
    """A benchmark's service configuration, on its defaults otherwise.

    State and log under ``state_path``; ``database_url`` (default: the
    embedded SQLite file); only ``task_types`` enabled; no periodic
    purge running in the middle of a measurement; no notification driver
    unless ``notifications`` names one.
    """
    choices.setdefault('notifications', None)
    options = choices.pop('options', {})
    options.setdefault('DEFAULT', {}).setdefault(
        'log_file', os.path.join(state_path, 'bench.log'))
    return service.ServiceConfig(state_path, database=database_url,
                                 task_types=task_types, options=options,
                                 **choices)


def load(config):
    """The ``ServiceConfig`` ``config`` loaded in this process."""
    conf = cfg.ConfigOpts()
    logging.register_options(conf)
    return config.load(conf)


def make_conf(state_path, database_url=None, task_types=('noop',),
              **choices):
    """:func:`service_config` loaded in this process."""
    return load(service_config(state_path, database_url, task_types,
                               **choices))


def percentile(values, fraction):
    """The value below which ``fraction`` of ``values`` lie (nan if none)."""
    values = sorted(values)
    if not values:
        return float('nan')
    return values[min(len(values) - 1, int(fraction * len(values)))]
