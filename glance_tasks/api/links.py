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

"""``first``/``next`` links of a list page, built as Glance builds them."""

import urllib.parse


def page(req, base, items, limit, body):
    """Add ``first`` and, after a full page, ``next`` to ``body``.

    Glance drops ``marker`` from ``first`` and points ``next`` at the last
    item of a full page; a page shorter than ``limit`` is the last one.
    """
    params = [(name, value) for name, value in req.GET.items()
              if name != 'marker']
    query = urllib.parse.urlencode(params)
    body['first'] = '%s?%s' % (base, query) if query else base
    if items and len(items) == limit:
        params.append(('marker', items[-1].id))
        body['next'] = '%s?%s' % (base, urllib.parse.urlencode(params))
    return body
