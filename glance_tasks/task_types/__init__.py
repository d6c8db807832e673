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

"""Task types: stevedore plugins in the ``glance_tasks.task_types`` namespace.

What a type declares, and what its atoms receive from the engine, is
written down in :mod:`glance_tasks.task_types.base`; the built-in types
are one module each; :mod:`.registry` loads them and offers the enabled
ones. ``doc/source/contributor/task-types.rst`` tells how to write one.
"""
