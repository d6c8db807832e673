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
``python tools/bench_*.py``).
"""

import os

from oslo_config import cfg
from oslo_log import log as logging

from glance_tasks import conf as gt_conf


def make_conf(state_path, database_url=None, task_types=('noop',)):
    """A benchmark's service configuration, on its defaults otherwise.

    State and log under ``state_path``; ``database_url`` (default: the
    embedded SQLite file); only ``task_types`` enabled; no periodic
    purge running in the middle of a measurement.
    """
    conf = cfg.ConfigOpts()
    logging.register_options(conf)
    gt_conf.load([], conf=conf)
    conf.set_override('state_path', state_path)
    conf.set_override('log_file', os.path.join(state_path, 'bench.log'))
    if database_url:
        conf.set_override('connection', database_url, group='database')
    conf.set_override('enabled_task_types', list(task_types), group='task')
    conf.set_override('purge_interval', 0, group='task')
    return conf


def percentile(values, fraction):
    """The value below which ``fraction`` of ``values`` lie (nan if none)."""
    values = sorted(values)
    if not values:
        return float('nan')
    return values[min(len(values) - 1, int(fraction * len(values)))]
