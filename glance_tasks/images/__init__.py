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

"""Images: the store, fetching, inspection and status moves of image data.

The ``import`` and ``location_import`` task types are built from these
pieces:

* :mod:`.url_filter` -- which URLs may be fetched (no SSRF);
* :mod:`.fetch` -- streaming a URL to a file, following checked redirects;
* :mod:`.inspect` -- the real format of the data, and whether it is safe;
* :mod:`.convert` -- ``qemu-img convert``;
* :mod:`.store` -- glance_store, computing size and hashes as it writes.

Image status moves are :mod:`glance_tasks.lifecycle.images`.
"""
