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

"""The version document at ``/`` (300) and ``/versions`` (200), as Glance.

Glance has no microversions: each minor version names calls added to
v2, and clients look for a version's id before they use such a call
(python-glanceclient wants ``v2.12`` before ``image-tasks``). The list
here runs up to the newest minor version whose calls this service
serves; doc/source/reference/api.rst says which calls of the versions
below it are left out and why.
"""

from glance_tasks.api import util

# Newest first; the first is CURRENT, the others SUPPORTED (Glance's way).
NEWEST_MINOR = 12
VERSIONS = tuple('v2.%d' % minor for minor in range(NEWEST_MINOR, -1, -1))


def _versions(req):
    href = req.application_url.rstrip('/') + '/v2/'
    return {'versions': [
        {'id': version,
         'status': 'CURRENT' if version == VERSIONS[0] else 'SUPPORTED',
         'links': [{'rel': 'self', 'href': href}]}
        for version in VERSIONS]}


def home(req):
    """``GET /``: Glance answers 300 Multiple Choices."""
    return util.json_response(_versions(req), status=300)


def versions(req):
    """``GET /versions``: the same document, 200 (an explicit request)."""
    return util.json_response(_versions(req))
