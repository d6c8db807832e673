# Importing any glance_tasks module first selects native threads for the
# whole process: see glance_tasks/threads.py for why this must run before
# oslo.messaging (or anything else) is imported.
from glance_tasks import threads

threads.use_native_threads()
