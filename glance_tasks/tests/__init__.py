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

# A test built on tests/base.py captures its logs (shown if it fails).
# Records logged outside such a capture -- by a test class built on
# testtools.TestCase alone, or by a thread that outlived its test -- would
# otherwise reach Python's last-resort handler and be printed, unattributed,
# between the results. A class that wants its logs on failure mixes in
# glance_tasks.tests.base.CaptureMixin.
import logging

logging.getLogger().addHandler(logging.NullHandler())
