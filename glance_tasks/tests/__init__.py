# A test built on tests/base.py captures its logs (shown if it fails).
# Records logged outside such a capture -- by a test class built on
# testtools.TestCase alone, or by a thread that outlived its test -- would
# otherwise reach Python's last-resort handler and be printed, unattributed,
# between the results. A class that wants its logs on failure mixes in
# glance_tasks.tests.base.CaptureMixin.
import logging

logging.getLogger().addHandler(logging.NullHandler())
