from glance_tasks.db import tasks as task_db
from glance_tasks.tests import base


class T(base.DbTestCase):
    def test_create(self):
        t = task_db.create(self.context, {'id': 'a' * 36, 'type': 'noop',
                                          'input': {'x': 1}})
        self.assertEqual('pending', t.status)
        t = task_db.update_status(self.context, t.id, 'pending', 'processing', ttl_hours=48)
        t = task_db.update_status(self.context, t.id, 'processing', 'success', ttl_hours=48, result={'r': 1})
        print(t)
        self.assertEqual({'r': 1}, task_db.get(self.context, t.id).result)
