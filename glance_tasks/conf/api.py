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

"""``[api]`` options: how the HTTP API authenticates, pages and limits."""

from oslo_config import cfg

from glance_tasks.conf import opts

api_group = cfg.OptGroup(
    'api', title='HTTP API options',
    help='Options of the Glance v2 compatible tasks and images API '
         '(glance-tasks-api, or glance_tasks.wsgi.api:application).')

api_opts = [
    cfg.StrOpt('auth_strategy',
               default='noauth',
               choices=[('noauth', 'Trust the X-Project-Id (or '
                                   'X-Tenant-Id), X-User-Id and X-Roles '
                                   'request headers. For the embedded '
                                   'single-host default and tests only.'),
                        ('keystone', 'Validate the X-Auth-Token of every '
                                     'request with keystonemiddleware '
                                     'auth_token (configured in '
                                     '[keystone_authtoken]).')],
               help='How a request proves who sent it. Any deployment '
                    'reachable by more than one user must use '
                    '``keystone``: with ``noauth`` anyone who can reach '
                    'the port may claim any project and the admin role. '
                    'Related options: [DEFAULT] bind_host, '
                    '[keystone_authtoken].'),
    cfg.IntOpt('limit_param_default',
               default=25, min=1,
               help='Number of tasks or images a list returns when the '
                    'request gives no ``limit`` (Glance\'s default). '
                    'Related options: api_limit_max.'),
    cfg.IntOpt('api_limit_max',
               default=1000, min=1,
               help='Largest page a list returns, whatever ``limit`` the '
                    'request asks for (Glance\'s maximum). Lower it if '
                    'large pages strain the database. Related options: '
                    'limit_param_default.'),
    cfg.IntOpt('max_request_body_size',
               default=114688, min=1,
               help='Largest request body accepted, in bytes; a larger one '
                    'is refused with 413 before it is read (by its '
                    'Content-Length, or while reading a chunked body). '
                    'Task bodies are small JSON documents: raise it only '
                    'if a task type takes large inputs.'),
    cfg.StrOpt('error_help_url',
               default='https://example.invalid/glance-tasks/reference/'
                       'api.html#errors',
               help='Address given as the ``help`` link of every error '
                    'body (the OpenStack API-SIG errors format asks for '
                    'one). Point it at the copy of this service\'s API '
                    'documentation your users can read.'),
    cfg.ListOpt('legacy_error_user_agents',
                default=['python-glanceclient'],
                help='User-Agent prefixes of clients that cannot read the '
                     'API-SIG ``{"errors": [...]}`` error body. '
                     'python-glanceclient calls ``.get("message")`` on '
                     'every top-level value of a JSON error and so fails '
                     'on the ``errors`` list; these clients get the same '
                     'error as ``{"error": {"code": ..., "title": ..., '
                     '"message": ...}}`` instead. Empty it once no such '
                     'client is left.'),
]


def register_opts(conf):
    opts.register_group_opts(conf, api_group, api_opts)


def list_opts():
    return [(api_group, api_opts)]
