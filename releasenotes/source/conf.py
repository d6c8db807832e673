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

"""Sphinx configuration of the glance_tasks release notes."""

# -- General configuration ----------------------------------------------

extensions = [
    'openstackdocstheme',
    'reno.sphinxext',
]

templates_path = []
source_suffix = {'.rst': 'restructuredtext'}
root_doc = 'index'

project = 'glance_tasks Release Notes'
copyright = '2026, glance_tasks developers'

# Release notes are not versioned by the package: one page per series.
version = ''
release = ''

exclude_patterns = []
pygments_style = 'native'

# -- openstackdocstheme -------------------------------------------------

openstackdocs_repo_name = 'glance-tasks/glance-tasks'
openstackdocs_bug_project = 'glance-tasks'
openstackdocs_bug_tag = 'releasenotes'
openstackdocs_auto_name = False

# -- Options for HTML output --------------------------------------------

html_theme = 'openstackdocs'
html_static_path = []

# -- Options for Internationalization output ----------------------------

locale_dirs = ['locale/']
