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

"""Configuration options, one module per option group.

Every module here defines its options, a ``register_opts(conf)`` that puts
them on the ``ConfigOpts`` it is given, and a ``list_opts()`` for the sample
generator. :mod:`glance_tasks.conf.opts` discovers the modules, so a new
group cannot be forgotten in the generated sample.
"""

from oslo_config import cfg

from glance_tasks.conf import opts


def register_opts(conf):
    """Register every option group of the service on ``conf``."""
    for module in opts.option_modules():
        module.register_opts(conf)


def load(args=None, conf=None, default_config_files=None):
    """Build a fully registered ``ConfigOpts`` and parse ``args``.

    Services call this once at start; tests call it with ``args=[]`` and
    override what they need.
    """
    conf = conf if conf is not None else cfg.ConfigOpts()
    register_opts(conf)
    opts.set_lib_defaults(conf)
    conf(args if args is not None else [], project='glance-tasks',
         default_config_files=default_config_files)
    # The group of each store exists once enabled_backends is known.
    from glance_tasks.conf import store
    store.register_backend_opts(conf)
    return conf
