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

"""``[task_executor]`` options: where and how task flows run."""

from oslo_config import cfg

from glance_tasks.conf import opts

executor_group = cfg.OptGroup(
    'task_executor', title='Task executor options',
    help='Options that choose where TaskFlow flows of tasks run.')

executor_opts = [
    cfg.StrOpt('backend',
               default='local',
               choices=[('local', 'Run flows in a thread pool inside the '
                                  'process that accepted the task. Needs '
                                  'nothing else; one host only.'),
                        ('jobboard', 'Post each task as a TaskFlow job; '
                                     'glance-tasks-engine processes on any '
                                     'host claim and run them.')],
               help='Where task flows run. Keep ``local`` for a single '
                    'host; choose ``jobboard`` to scale out over several '
                    'engine processes and survive the loss of one.'),
    cfg.StrOpt('engine_mode',
               default='serial',
               choices=[('serial', 'Run the atoms of a flow one after '
                                   'another in the worker thread.'),
                        ('parallel', 'Run independent atoms of a flow '
                                     'concurrently on a shared executor.')],
               help='TaskFlow engine type used for each flow. ``serial`` '
                    'is cheapest for the built-in linear flows; '
                    '``parallel`` only helps task types whose flows have '
                    'independent branches.'),
    cfg.IntOpt('max_workers',
               default=8, min=1,
               help='Largest number of task flows one process runs at the '
                    'same time. Further tasks wait in ``pending``. Raise '
                    'it on hosts with spare CPU and I/O; lower it to bound '
                    'memory and disk bandwidth used by imports.'),
]

ownership_opts = [
    cfg.IntOpt('lease_duration',
               default=30, min=3,
               help='Seconds a local executor process holds its lease '
                    '(in the ``leases`` table), renewed every eighth of '
                    'it. A task is owned by the process that created it '
                    'or took it over; another process takes it over only '
                    'once its owner\'s lease has lapsed, so a task of a '
                    'process that died is taken over within this long '
                    'plus ``sweep_interval``. An owner that cannot renew '
                    'for half of it (database unreachable) stops working '
                    'on its tasks; that half also bounds the clock skew '
                    'tolerated between hosts (keep clocks in step with '
                    'NTP). Lower it for faster takeover at the cost of '
                    'more lease writes; raise it if database hiccups '
                    'longer than half of it are common. Only used with '
                    '``backend = local``.'),
    cfg.IntOpt('sweep_interval',
               default=10, min=1,
               help='Seconds between two sweeps of a local executor: at '
                    'start and then this often, it takes over the pending '
                    'and processing tasks whose owner\'s lease has lapsed '
                    'and runs again its own tasks whose run a database '
                    'error stopped. Each sweep is two indexed queries. '
                    'Only used with ``backend = local``; see '
                    '``lease_duration``.'),
]

persistence_opts = [
    cfg.StrOpt('persistence_connection',
               secret=True,
               help='SQLAlchemy URL of the database that keeps TaskFlow\'s '
                    'logbooks (the progress of each running flow, used to '
                    'resume it after a crash). Empty means the service '
                    'database ([database] connection). Set it to move that '
                    'write-heavy traffic to a database of its own.'),
    cfg.BoolOpt('keep_logbooks',
                default=False,
                help='Keep the TaskFlow logbook of a task after it ends. '
                     'Logbooks are only needed while a task runs; keep '
                     'them to debug a task type, at the cost of a growing '
                     'database.'),
]


def register_opts(conf):
    opts.register_group_opts(conf, executor_group,
                             executor_opts + ownership_opts + persistence_opts)


def list_opts():
    return [(executor_group,
             executor_opts + ownership_opts + persistence_opts)]
