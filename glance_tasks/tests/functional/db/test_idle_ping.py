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

"""Server connections are pinged before use only after sitting idle.

On a real MariaDB and PostgreSQL: the server ends the session of a pooled
connection (as a server restart or an idle timeout would). A connection
idle longer than the threshold is pinged, found dead and replaced, so the
next transaction works; one used within the threshold is not pinged (the
round trip saved), so the dead session shows up as a disconnect error,
which the writers' retry decorator handles.
"""

import time

from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import engines
import sqlalchemy as sa

from glance_tasks.db import api as db_api
from glance_tasks.tests import base


class IdlePingTests:

    SESSION_ID = None   # SQL giving this session's server-side id
    END_SESSION = None  # SQL ending the session :id

    def make_engine(self, idle):
        engine = db_api.ping_when_idle(engines.create_engine(
            self.db_engine.url.render_as_string(hide_password=False),
            max_retries=0, thread_checkin=False), idle=idle)
        self.addCleanup(engine.dispose)
        return engine

    def session_id(self, engine):
        with engine.connect() as conn:
            return conn.execute(sa.text(self.SESSION_ID)).scalar()

    def end_session(self, session_id):
        with self.db_engine.connect() as conn:
            conn.execute(sa.text(self.END_SESSION), {'id': session_id})
            conn.commit()

    def test_an_idle_dead_connection_is_replaced(self):
        engine = self.make_engine(idle=0.2)
        first = self.session_id(engine)
        self.end_session(first)
        time.sleep(0.4)

        second = self.session_id(engine)

        self.assertNotEqual(first, second)

    def test_a_recently_used_connection_is_not_pinged(self):
        engine = self.make_engine(idle=60)
        self.end_session(self.session_id(engine))

        # No ping: the dead session is found by the statement itself.
        self.assertRaises(db_exc.DBConnectionError, self.session_id, engine)
        # The pool dropped it; the next transaction gets a new one.
        self.assertIsNotNone(self.session_id(engine))


class TestIdlePingMySQL(IdlePingTests, base.DbTestCase):
    FIXTURE = base.MySQLFixture
    SESSION_ID = 'SELECT CONNECTION_ID()'
    END_SESSION = 'KILL :id'


class TestIdlePingPostgreSQL(IdlePingTests, base.DbTestCase):
    FIXTURE = base.PostgreSQLFixture
    SESSION_ID = 'SELECT pg_backend_pid()'
    END_SESSION = 'SELECT pg_terminate_backend(:id)'
