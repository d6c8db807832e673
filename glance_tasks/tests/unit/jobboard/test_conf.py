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

"""``[jobboard]`` options turned into TaskFlow's and kazoo's settings."""

from glance_tasks.conf import jobboard as jobboard_conf
from glance_tasks.engine import jobboard
from glance_tasks.tests import base


class RedisSettingsTest(base.TestCase):

    def override(self, **values):
        for name, value in values.items():
            self.conf.set_override(name, value, group='jobboard')

    def test_defaults(self):
        settings = jobboard.redis_board_conf(self.conf)
        self.assertEqual('127.0.0.1', settings['host'])
        self.assertEqual(6379, settings['port'])
        self.assertEqual(b'glance_tasks', settings['namespace'])
        self.assertNotIn('password', settings)
        self.assertNotIn('ssl', settings)
        self.assertNotIn('sentinel', settings)

    def test_host_port_credentials_and_tls(self):
        self.override(hosts=['redis.example.org:6380'], port=7000,
                      redis_username='gt', redis_password='s3cret',
                      redis_db=2, ssl=True, ssl_ca_certs='/etc/ca.pem',
                      ssl_cert_reqs='none')
        settings = jobboard.redis_board_conf(self.conf)
        self.assertEqual(('redis.example.org', 6380),
                         (settings['host'], settings['port']))
        self.assertEqual(('gt', 's3cret', 2), (
            settings['username'], settings['password'], settings['db']))
        self.assertEqual((True, '/etc/ca.pem', 'none'), (
            settings['ssl'], settings['ssl_ca_certs'],
            settings['ssl_cert_reqs']))
        self.assertNotIn('ssl_certfile', settings)

    def test_ipv6_hosts(self):
        self.override(hosts=['[fd00::1]:6390'])
        settings = jobboard.redis_board_conf(self.conf)
        self.assertEqual(('fd00::1', 6390),
                         (settings['host'], settings['port']))
        self.override(hosts=['fd00::2'], port=6391)
        settings = jobboard.redis_board_conf(self.conf)
        self.assertEqual(('fd00::2', 6391),
                         (settings['host'], settings['port']))

    def test_sentinel(self):
        self.override(hosts=['s1', 's2:26380', 's3'], port=26379,
                      redis_sentinel='mymaster',
                      redis_sentinel_password='sentinel-secret',
                      redis_password='master-secret')
        settings = jobboard.redis_board_conf(self.conf)
        self.assertEqual(('s1', 26379), (settings['host'], settings['port']))
        self.assertEqual('mymaster', settings['sentinel'])
        self.assertEqual(['s2:26380', 's3:26379'],
                         settings['sentinel_fallbacks'])
        self.assertEqual('sentinel-secret',
                         settings['sentinel_kwargs']['password'])
        self.assertEqual('master-secret', settings['password'])

    def test_board_claims_expire(self):
        self.override(expiration_time=17)
        board = jobboard.make_board(self.conf, None, name='test')
        self.assertIsInstance(board, jobboard.RedisBoard)
        self.assertEqual(17, board.claim_expiry)


class ZooKeeperSettingsTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.conf.set_override('backend', 'zookeeper', group='jobboard')

    def test_ensemble_session_and_path(self):
        self.conf.set_override('hosts', ['zk1', 'zk2:2182'],
                               group='jobboard')
        self.conf.set_override('expiration_time', 12, group='jobboard')
        self.conf.set_override('namespace', 'cloud-a', group='jobboard')
        client = jobboard.zookeeper_client(self.conf)
        self.assertEqual([('zk1', 2181), ('zk2', 2182)], client.hosts)
        # A claim lasts as long as the session: expiration_time.
        self.assertEqual(12000, client._session_timeout)
        self.assertEqual('/cloud-a/jobs', jobboard.zookeeper_path(self.conf))
        board = jobboard.make_board(self.conf, None, name='test')
        self.assertIsInstance(board, jobboard.ZooKeeperBoard)
        self.assertEqual('/cloud-a/jobs', board.path)
        board.close()

    def test_digest_credentials(self):
        self.conf.set_override('zookeeper_username', 'gt', group='jobboard')
        self.conf.set_override('zookeeper_password', 'pw', group='jobboard')
        client = jobboard.zookeeper_client(self.conf)
        self.assertIn(('digest', 'gt:pw'), client.auth_data)


class SecretOptionsTest(base.TestCase):

    def test_passwords_are_secret(self):
        secret = {opt.name for opt in jobboard_conf.ALL_OPTS if opt.secret}
        self.assertEqual({'redis_password', 'redis_sentinel_password',
                          'zookeeper_password', 'ssl_keyfile_password'},
                         secret)
