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

"""``[import_filtering_opts]``: which URLs an ``import`` may fetch.

The names and list semantics are Glance's: when an ``allowed_*`` list is
set only what it names passes, else what a ``disallowed_*`` list names is
refused. On top of Glance, the address a host name resolves to (and the
target of every redirect) must not be a loopback, link-local, private or
otherwise non-public address unless the operator allows it, and
``file://`` needs a directory the operator names.
"""

from oslo_config import cfg

from glance_tasks.conf import opts

filtering_group = cfg.OptGroup(
    'import_filtering_opts', title='Import URL filtering',
    help='Filtering of the URLs the ``import`` task fetches from (Glance\'s '
         'group). It is on by default so users cannot make the service '
         'fetch from the control plane (server-side request forgery).')

filtering_opts = [
    cfg.ListOpt('allowed_schemes',
                default=['http', 'https'],
                help='URL schemes an import may use. Only these pass when '
                     'the list is not empty. ``file`` also needs '
                     '``allowed_file_directories``. Related options: '
                     'disallowed_schemes.'),
    cfg.ListOpt('disallowed_schemes',
                default=[],
                help='URL schemes an import may not use; read only when '
                     '``allowed_schemes`` is empty.'),
    cfg.ListOpt('allowed_hosts',
                default=[],
                help='Host names or IP addresses an import may fetch from. '
                     'When not empty only these pass. A host listed here '
                     'may resolve to a loopback or private address: list '
                     'an internal mirror here to import from it.'),
    cfg.ListOpt('disallowed_hosts',
                default=[],
                help='Host names or IP addresses an import may not fetch '
                     'from; read only when ``allowed_hosts`` is empty.'),
    cfg.ListOpt('allowed_ports',
                item_type=cfg.types.Integer(min=1, max=65535),
                default=[80, 443],
                help='TCP ports an import may connect to (the URL\'s port, '
                     'or 80/443 by scheme). Only these pass when the list '
                     'is not empty; empty it to allow any port not listed '
                     'in ``disallowed_ports``.'),
    cfg.ListOpt('disallowed_ports',
                item_type=cfg.types.Integer(min=1, max=65535),
                default=[],
                help='TCP ports an import may not connect to; read only '
                     'when ``allowed_ports`` is empty.'),
    cfg.ListOpt('allowed_networks',
                default=[],
                help='Networks (CIDR, e.g. ``10.20.0.0/16``) an import may '
                     'connect to although they are loopback, link-local, '
                     'private or reserved. Addresses outside the public '
                     'internet are refused unless listed here or reached '
                     'through a host named in ``allowed_hosts``; this '
                     'stops imports from reaching the control plane or a '
                     'metadata service (169.254.169.254).'),
    cfg.ListOpt('allowed_file_directories',
                default=[],
                help='Directories a ``file://`` import may read from (with '
                     '``file`` in ``allowed_schemes``). Empty, the default, '
                     'refuses ``file://`` altogether. A path is checked '
                     'after resolving symbolic links, so a link cannot '
                     'point outside these directories.'),
]


def register_opts(conf):
    opts.register_group_opts(conf, filtering_group, filtering_opts)


def list_opts():
    return [(filtering_group, filtering_opts)]
