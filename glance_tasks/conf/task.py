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

"""``[task]`` options: what tasks may be created and how long they live."""

from oslo_config import cfg

from glance_tasks.conf import opts

task_group = cfg.OptGroup(
    'task', title='Task options',
    help='Options that govern the tasks users create.')

task_opts = [
    cfg.IntOpt('task_time_to_live',
               default=48, min=1,
               help='Hours a task stays visible after it reaches success '
                    'or failure. Past it the task disappears from the API '
                    'and the purge removes it. Raise it if users need to '
                    'look at results for longer; lower it to keep the '
                    'tasks table small on a busy cloud.'),
    cfg.ListOpt('enabled_task_types',
                default=['import', 'location_import',
                         'api_image_import'],
                help='Task types users may create, by plugin name (entry '
                     'points in the ``glance_tasks.task_types`` '
                     'namespace). A type installed but not listed here is '
                     'refused by name. Add a third-party type here after '
                     'installing its package; add ``noop`` only for tests '
                     'and benchmarks.'),
    cfg.IntOpt('purge_interval',
               default=3600, min=0,
               help='Seconds between two purges, by the running service, '
                    'of expired tasks and of delivered notifications older '
                    'than a day. 0 turns the periodic purge off (use '
                    '``glance-tasks-manage tasks purge`` from cron '
                    'instead).'),
]


def register_opts(conf):
    opts.register_group_opts(conf, task_group, task_opts)


def list_opts():
    return [(task_group, task_opts)]
