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

"""Sphinx configuration of the glance_tasks documentation."""

import os
import sys

# Local extensions (status_diagram) live in _exts beside this file.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '_exts'))

# -- General configuration ----------------------------------------------

extensions = [
    'sphinx.ext.graphviz',
    'oslo_config.sphinxext',
    'oslo_config.sphinxconfiggen',
    'openstackdocstheme',
    'status_diagram',
]

# oslo_config.sphinxconfiggen: write a sample configuration file into
# _static at build time, from the same generator file as tox -e genconfig.
config_generator_config_file = (
    '../../etc/glance-tasks/glance-tasks-config-generator.conf')
sample_config_basename = '_static/glance-tasks'

# Status diagrams as SVG: crisp at any zoom, and text stays searchable.
graphviz_output_format = 'svg'

templates_path = []
# The example task type is a package of its own (its README is not a
# page of this documentation).
exclude_patterns = ['_exts', 'contributor/example_task_type']
source_suffix = {'.rst': 'restructuredtext'}
root_doc = 'index'

project = 'glance_tasks'
copyright = '2026, glance_tasks developers'

pygments_style = 'native'
add_module_names = False

# -- openstackdocstheme -------------------------------------------------

openstackdocs_repo_name = 'glance-tasks/glance-tasks'
openstackdocs_bug_project = 'glance-tasks'
openstackdocs_bug_tag = 'doc'
openstackdocs_auto_name = False

# -- Options for HTML output --------------------------------------------

html_theme = 'openstackdocs'
html_static_path = ['_static']
