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

"""The generated sample config shows every option the service registers.

The sample is built with oslo-config-generator's own API from the
namespaces of ``etc/glance-tasks/glance-tasks-config-generator.conf``, the
file the ``genconfig`` tox env and the docs use.
"""

import os
import re

from oslo_config import cfg
from oslo_config import generator
from oslo_log import log

import glance_tasks
from glance_tasks import conf as gt_conf
from glance_tasks.conf import opts
from glance_tasks.tests import base

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(
    glance_tasks.__file__)))
GENERATOR_CONF = os.path.join(ROOT, 'etc', 'glance-tasks',
                              'glance-tasks-config-generator.conf')
CONF_DIR = os.path.dirname(os.path.abspath(gt_conf.__file__))
# Groups whose options are oslo.db's; we only list them to show our default.
LIBRARY_GROUPS = frozenset({'database'})
MIN_HELP = 40


def registered_options(conf):
    """``{group: {option names}}`` of everything registered on ``conf``."""
    found = {'DEFAULT': set()}
    for name in conf:
        value = conf[name]
        if isinstance(value, cfg.ConfigOpts.GroupAttr):
            found.setdefault(name, set()).update(value)
        else:
            found['DEFAULT'].add(name)
    return found


def sample_options(text):
    """``{group: {option names}}`` shown in a generated sample."""
    found, group = {}, None
    for line in text.splitlines():
        section = re.match(r'^\[([\w.-]+)\]$', line)
        if section:
            group = section.group(1)
            found.setdefault(group, set())
        option = re.match(r'^#?([\w-]+) = ', line) or re.match(
            r'^#?([\w-]+) =$', line)
        if option and group is not None:
            found[group].add(option.group(1))
    return found


class TestSample(base.TestCase):

    def generate_sample(self):
        generator_conf = cfg.ConfigOpts()
        generator.register_cli_opts(generator_conf)
        output = os.path.join(self.state_path, 'glance-tasks.conf.sample')
        generator_conf(['--config-file', GENERATOR_CONF,
                        '--output-file', output])
        generator.generate(generator_conf)
        with open(output) as sample:
            return sample.read()

    def test_sample_shows_glance_store_with_our_defaults(self):
        lines = self.generate_sample().splitlines()
        for line in ('[glance_store]', '[image_import]',
                     '[import_filtering_opts]',
                     '#filesystem_store_datadir = $state_path/images',
                     '#default_store = file', '#stores = file',
                     '#hashing_algorithm = sha512',
                     '#work_dir = $state_path/staging',
                     '#allowed_schemes = http,https'):
            self.assertIn(line, lines)

    def test_every_registered_option_is_in_the_sample(self):
        # The services register oslo.log's CLI options before parsing.
        conf = cfg.ConfigOpts()
        log.register_options(conf)
        gt_conf.load(args=[], conf=conf)
        registered = registered_options(conf)
        # oslo.config's own --config-file and friends are never in a sample.
        bare = cfg.ConfigOpts()
        bare(args=[], default_config_files=[])
        registered['DEFAULT'] -= registered_options(bare)['DEFAULT']
        shown = sample_options(self.generate_sample())
        for group in ('DEFAULT', 'task', 'task_executor', 'database'):
            self.assertIn(group, registered)
        self.assertIn('debug', registered['DEFAULT'])  # oslo.log's
        for group, names in registered.items():
            self.assertIn(group, shown, 'group [%s] not in sample' % group)
            missing = names - shown[group]
            self.assertEqual(set(), missing,
                             'options of [%s] not in the sample' % group)

    def test_sample_shows_our_library_defaults(self):
        lines = self.generate_sample().splitlines()
        self.assertIn(
            '#connection = sqlite:///$state_path/glance_tasks.sqlite', lines)
        self.assertIn('#state_path = $pwd/state', lines)

    def test_our_options_have_real_help(self):
        checked = 0
        for group, group_opts in opts.list_opts():
            name = getattr(group, 'name', group)
            if name in LIBRARY_GROUPS:
                continue
            if isinstance(group, cfg.OptGroup):
                self.assertGreaterEqual(len(group.help or ''), MIN_HELP,
                                        'help of group [%s]' % name)
            for opt in group_opts:
                checked += 1
                self.assertGreaterEqual(
                    len((opt.help or '').strip()), MIN_HELP,
                    '[%s] %s needs help that says what it does and when '
                    'to change it' % (name, opt.name))
        self.assertGreater(checked, 5)


class TestListOpts(base.TestCase):

    def modules_on_disk(self):
        names = sorted(name[:-3] for name in os.listdir(CONF_DIR)
                       if name.endswith('.py')
                       and name not in ('__init__.py', 'opts.py'))
        self.assertIn('task', names)
        return names

    def test_list_opts_covers_every_module(self):
        listed = {str(group): {opt.dest for opt in group_opts}
                  for group, group_opts in opts.list_opts()}
        for name in self.modules_on_disk():
            module = __import__('glance_tasks.conf.%s' % name,
                                fromlist=['list_opts'])
            self.assertTrue(callable(getattr(module, 'register_opts', None)),
                            name)
            module_opts = module.list_opts()
            self.assertNotEqual([], module_opts, name)
            for group, group_opts in module_opts:
                self.assertLessEqual({opt.dest for opt in group_opts},
                                     listed.get(str(group), set()),
                                     'conf/%s.py [%s]' % (name, group))

    def test_option_modules_are_the_files(self):
        self.assertEqual(self.modules_on_disk(),
                         [m.__name__.rsplit('.', 1)[1]
                          for m in opts.option_modules()])

    def test_each_module_registers_what_it_lists(self):
        for module in opts.option_modules():
            conf = cfg.ConfigOpts()
            module.register_opts(conf)
            registered = registered_options(conf)
            for group, group_opts in module.list_opts():
                self.assertLessEqual(
                    {opt.dest for opt in group_opts},
                    registered.get(str(group), set()),
                    '%s [%s]' % (module.__name__, group))
