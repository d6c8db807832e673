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

"""File operations the service relies on surviving a crash."""

import os


def rename_durably(source, target):
    """Rename ``source`` to ``target`` atomically, and sync the directory.

    The rename replaces whatever ``target`` held; syncing the directory
    makes the new name survive a crash of the host, not only of the
    process.
    """
    os.rename(source, target)
    directory = os.open(os.path.dirname(target) or '.', os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
