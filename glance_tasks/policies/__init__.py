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

"""oslo.policy defaults in code, and the enforcer built from them.

``list_rules`` feeds ``oslopolicy-sample-generator`` (``tox -e
genpolicy``); ``get_enforcer`` feeds oslo.policy's other command-line
tools. Both are entry points in ``setup.cfg``.
"""

import itertools
import time

from oslo_config import cfg
from oslo_policy import policy

from glance_tasks.policies import base
from glance_tasks.policies import image_data
from glance_tasks.policies import images
from glance_tasks.policies import stores
from glance_tasks.policies import tasks


def list_rules():
    """Every default rule, personas first."""
    return list(itertools.chain(base.list_rules(), tasks.list_rules(),
                                images.list_rules(),
                                image_data.list_rules(),
                                stores.list_rules()))


class Enforcer(policy.Enforcer):
    """oslo.policy's enforcer, looking at the policy files once a second.

    oslo.policy looks for changed policy files on every check: it
    searches the config directories for the file (again on each check
    while there is none) and reads the modification times of the file
    and of every ``policy_dirs`` directory. Several checks a request made
    that half of the checks' cost. Here a change to the files is seen
    within ``RELOAD_INTERVAL`` seconds instead of at the next check; a
    forced reload is done at once.
    """

    RELOAD_INTERVAL = 1.0

    def __init__(self, conf, clock=time.monotonic, **kwargs):
        super().__init__(conf, **kwargs)
        self._clock = clock
        self._looked_at = None

    def load_rules(self, force_reload=False):
        now = self._clock()
        if (not force_reload and self._looked_at is not None
                and now - self._looked_at < self.RELOAD_INTERVAL):
            return
        super().load_rules(force_reload=force_reload)
        self._looked_at = now

    def clear(self):
        super().clear()
        self._looked_at = None


def make_enforcer(conf, clock=time.monotonic):
    """An enforcer on ``conf`` ([oslo_policy]) with our defaults."""
    enforcer = Enforcer(conf, clock=clock)
    enforcer.register_defaults(list_rules())
    return enforcer


def get_enforcer():
    """The enforcer oslo.policy's command-line tools inspect."""
    from glance_tasks import conf as gt_conf
    conf = cfg.ConfigOpts()
    gt_conf.load(args=[], conf=conf)
    return make_enforcer(conf)
