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

"""Print the id and reason of every skipped test in a subunit stream.

``stestr last --subunit | python tools/skipped_tests.py``. run-tests.sh
uses it to fail a run that must skip nothing (GLANCE_TASKS_REQUIRE_SERVICES):
a test that skips for a missing tool (qemu-img, uWSGI, systemd-analyze, a
server binary) would otherwise pass CI silently.
"""

import sys

import subunit
import testtools


def skipped(stream):
    """``[(test id, reason)]`` of the skipped tests in ``stream``."""
    found = []

    def on_test(test):
        if test['status'] == 'skip':
            reason = test['details'].get('reason')
            found.append((test['id'],
                          reason.as_text() if reason else ''))

    result = testtools.StreamToDict(on_test)
    result.startTestRun()
    subunit.ByteStreamToStreamResult(
        stream, non_subunit_name='stdout').run(result)
    result.stopTestRun()
    return found


def main():
    for test_id, reason in skipped(sys.stdin.buffer):
        print('  %s: %s' % (test_id, reason.strip()))


if __name__ == '__main__':
    main()
