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

"""``[jobboard]`` options: the TaskFlow jobboard and the engine's conductor.

They matter when ``[task_executor] backend = jobboard``: the API posts
each task as a job on this board, and every ``glance-tasks-engine``
process claims jobs from it with a TaskFlow conductor.
"""

from oslo_config import cfg

from glance_tasks.conf import opts

jobboard_group = cfg.OptGroup(
    'jobboard', title='Jobboard and conductor options',
    help='Where tasks are posted as TaskFlow jobs and how '
         'glance-tasks-engine processes claim and run them. Used only '
         'with ``[task_executor] backend = jobboard``. Every API and '
         'engine process of one deployment must use the same board '
         '(backend, hosts, port and namespace).')

DEFAULT_PORTS = {'redis': 6379, 'zookeeper': 2181}

board_opts = [
    cfg.StrOpt('backend',
               default='redis',
               choices=[('redis', 'A Redis server (or a Sentinel-managed '
                                  'set of servers). Claims are given an '
                                  'expiry that running engines extend.'),
                        ('zookeeper', 'A ZooKeeper ensemble. A claim is an '
                                      'ephemeral node that disappears when '
                                      'the engine\'s session expires.')],
               help='The jobboard implementation. Redis is the simpler '
                    'to run; ZooKeeper suits deployments that already run '
                    'an ensemble. Related options: hosts, port, '
                    'namespace, expiration_time.'),
    cfg.ListOpt('hosts',
                default=['127.0.0.1'],
                help='Addresses of the jobboard servers, as ``host`` or '
                     '``host:port``. Redis uses the first one (or, with '
                     '``redis_sentinel`` set, the first as the Sentinel '
                     'to ask and the others as fallback Sentinels); '
                     'ZooKeeper uses them all as its ensemble. Related '
                     'options: port.'),
    cfg.PortOpt('port',
                help='Port of the hosts listed without one. Default: 6379 '
                     'for Redis (26379 is the usual Sentinel port: set it '
                     'when using Sentinel), 2181 for ZooKeeper.'),
    cfg.StrOpt('namespace',
               default='glance_tasks',
               help='Name that keeps this deployment\'s jobs apart from '
                    'other users of the same server: the prefix of every '
                    'Redis key, or the ZooKeeper path ``/<namespace>/jobs``. '
                    'Change it only when several deployments share one '
                    'server.'),
    cfg.IntOpt('expiration_time',
               default=30, min=1,
               help='Seconds a claim on a job outlives the engine holding '
                    'it: an engine that dies (or loses the board) loses '
                    'its jobs after this long, and another engine resumes '
                    'them. Running engines renew their claims every '
                    'quarter of it, and on each atom\'s progress. On '
                    'ZooKeeper it is the session timeout, which the '
                    'server bounds to 2 to 20 of its ``tickTime``. Lower '
                    'it for faster takeover, raise it if engines are '
                    'often too busy to renew in time. Related options: '
                    'sweep_interval.'),
]

conductor_opts = [
    cfg.StrOpt('conductor',
               default='nonblocking',
               choices=[('blocking', 'Run one job at a time, in the '
                                     'conductor\'s own thread.'),
                        ('nonblocking', 'Run up to max_simultaneous_jobs '
                                        'jobs at once in a thread pool.')],
               help='The TaskFlow conductor type each glance-tasks-engine '
                    'runs. ``nonblocking`` gives far more tasks per second '
                    'when flows wait on I/O; ``blocking`` eases '
                    'debugging. Related options: max_simultaneous_jobs.'),
    cfg.IntOpt('max_simultaneous_jobs',
               default=8, min=1,
               help='Largest number of jobs one engine process runs at the '
                    'same time (with the ``nonblocking`` conductor; the '
                    '``blocking`` one runs one). Further jobs wait on the '
                    'board for a free engine. Raise it on hosts with '
                    'spare CPU and I/O; lower it to bound the memory and '
                    'disk bandwidth one engine uses for imports.'),
    cfg.FloatOpt('poll_interval',
                 default=0.5, min=0.01,
                 help='Seconds an idle conductor waits before it looks '
                      'at the board again. A busy conductor looks again '
                      'as soon as one of its jobs ends. Lower it for '
                      'lower latency on a quiet system, at the cost of '
                      'more requests to the board.'),
    cfg.IntOpt('sweep_interval',
               default=30, min=0,
               help='Seconds between two sweeps of each engine for tasks '
                    'whose job is no longer on the board (the board lost '
                    'its data). Such a task still ``processing`` is '
                    'failed with a message saying its job was lost; one '
                    'still ``pending`` (for at least this long) is posted '
                    'again. No task stays ``processing`` without an '
                    'engine for longer than expiration_time plus one '
                    'sweep. 0 turns the sweep off.'),
]

redis_opts = [
    cfg.StrOpt('redis_username',
               help='User name for Redis ACL authentication (Redis 6 and '
                    'later). Leave empty to authenticate with '
                    'redis_password only.'),
    cfg.StrOpt('redis_password',
               secret=True,
               help='Password Redis requires (``requirepass`` or the ACL '
                    'user\'s). Empty means no authentication.'),
    cfg.IntOpt('redis_db',
               default=0, min=0,
               help='Redis logical database number of the jobboard.'),
    cfg.FloatOpt('redis_socket_timeout',
                 default=5.0, min=0.1,
                 help='Seconds to wait for Redis to answer a command '
                      'before counting it unreachable. Keep it well below '
                      'expiration_time.'),
    cfg.StrOpt('redis_sentinel',
               help='Name of the Redis master as Sentinel knows it. When '
                    'set, ``hosts`` are Sentinels (use their port, '
                    'usually 26379) and the jobboard follows the master '
                    'they elect. Related options: hosts, '
                    'redis_sentinel_username, redis_sentinel_password, '
                    'redis_sentinel_ssl.'),
    cfg.StrOpt('redis_sentinel_username',
               help='User name the Sentinels require, if they have ACLs.'),
    cfg.StrOpt('redis_sentinel_password',
               secret=True,
               help='Password the Sentinels require (their '
                    '``requirepass``). Empty means none.'),
    cfg.BoolOpt('redis_sentinel_ssl',
                default=False,
                help='Talk to the Sentinels over TLS, with the ssl_* '
                     'options. The data connection uses TLS when ``ssl`` '
                     'is set.'),
]

zookeeper_opts = [
    cfg.StrOpt('zookeeper_username',
               help='User name for ZooKeeper digest authentication. '
                    'Leave empty for an ensemble without authentication.'),
    cfg.StrOpt('zookeeper_password',
               secret=True,
               help='Password for ZooKeeper digest authentication, with '
                    'zookeeper_username.'),
]

ssl_opts = [
    cfg.BoolOpt('ssl',
                default=False,
                help='Connect to the jobboard servers over TLS. Related '
                     'options: ssl_ca_certs, ssl_certfile, ssl_keyfile, '
                     'ssl_cert_reqs.'),
    cfg.StrOpt('ssl_ca_certs',
               help='File of CA certificates to verify the servers\' '
                    'certificates with. Empty means the system\'s CAs.'),
    cfg.StrOpt('ssl_certfile',
               help='Client certificate file, for servers that require '
                    'one (mutual TLS).'),
    cfg.StrOpt('ssl_keyfile',
               help='Private key file of ssl_certfile, for a jobboard '
                    'that requires client certificates.'),
    cfg.StrOpt('ssl_keyfile_password',
               secret=True,
               help='Password of an encrypted ssl_keyfile (ZooKeeper '
                    'only).'),
    cfg.StrOpt('ssl_cert_reqs',
               default='required',
               choices=[('required', 'Verify the server certificate.'),
                        ('optional', 'Verify it if the server sends one '
                                     '(Redis only; ZooKeeper verifies).'),
                        ('none', 'Do not verify: for tests only.')],
               help='Whether the servers\' certificates are verified.'),
]

ALL_OPTS = (board_opts + conductor_opts + redis_opts + zookeeper_opts +
            ssl_opts)


def register_opts(conf):
    opts.register_group_opts(conf, jobboard_group, ALL_OPTS)


def list_opts():
    return [(jobboard_group, ALL_OPTS)]
