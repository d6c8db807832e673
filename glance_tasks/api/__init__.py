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

"""The Glance v2 compatible HTTP API: tasks, images, schemas, versions.

``app.make_app(conf, service)`` builds the WSGI application; routes are a
dict in :mod:`glance_tasks.api.router`, handlers are functions of the
request in :mod:`glance_tasks.api.handlers`, and
:mod:`glance_tasks.api.errors` is the one place exceptions become HTTP
errors.
"""
