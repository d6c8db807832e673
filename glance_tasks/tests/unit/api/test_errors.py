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

"""The one place exceptions become HTTP errors, and the outer guard."""

import io
import logging
import types

import fixtures
from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_log import formatters
from oslo_log import log as oslo_log
import sqlalchemy.exc as sa_exc
import webob
import webob.dec

from glance_tasks.api import errors
from glance_tasks.api import router
from glance_tasks.api import util
from glance_tasks import exception
from glance_tasks.tests import base


def _request(path='/v2/tasks', **headers):
    req = util.Request.blank(path)
    req.headers.update(headers)
    req.environ[errors.REQUEST_ID_KEY] = 'req-1'
    return req


class TestErrorBody(base.TestCase):

    def test_domain_error_in_api_sig_format(self):
        exc = exception.InvalidSortKey(key='x', valid='id')
        response = errors.from_domain(_request(), exc, self.conf)
        self.assertEqual(400, response.status_code)
        self.assertEqual('application/json', response.content_type)
        body = response.json_body
        self.assertEqual({
            'request_id': 'req-1',
            'code': 'image.invalid_sort_key',
            'status': 400,
            'title': 'Bad Request',
            'detail': "Unknown sort key 'x'; valid keys are: id.",
            'links': [{'rel': 'help',
                       'href': self.conf.api.error_help_url}],
        }, body['errors'][0])
        self.assertEqual(body['errors'][0]['detail'], body['message'])

    def test_code_of_every_exception_is_api_sig_shaped(self):
        for cls in _subclasses(exception.GlanceTasksException):
            self.assertRegex(errors.error_code(cls.__name__),
                             r'^image\.[a-z0-9._-]+$')

    def test_glanceclient_gets_dict_values_only(self):
        req = _request(**{'User-Agent': 'python-glanceclient'})
        response = errors.from_domain(
            req, exception.TaskNotFound(task_id='t'), self.conf)
        self.assertEqual({'error': {'code': 404, 'title': 'Not Found',
                                    'message': 'Task t could not be '
                                               'found.'}},
                         response.json_body)

    def test_legacy_agents_are_configurable(self):
        self.conf.set_override('legacy_error_user_agents', ['old-client'],
                               group='api')
        req = _request(**{'User-Agent': 'python-glanceclient'})
        body = errors.error_body(req.environ, self.conf, 400, 'image.x', 'd')
        self.assertIn('errors', body)

    def test_http_error_keeps_allow(self):
        exc = webob.exc.HTTPMethodNotAllowed(explanation='no',
                                             headers={'Allow': 'GET'})
        response = errors.from_http(_request(), exc, self.conf)
        self.assertEqual(405, response.status_code)
        self.assertEqual('GET', response.headers['Allow'])
        self.assertEqual('image.method_not_allowed',
                         response.json_body['errors'][0]['code'])

    def test_5xx_domain_error_is_logged(self):
        logger = self.useFixture(fixtures.FakeLogger())
        exc = exception.FlowBuildFailed(type='noop', reason='broken')
        response = errors.from_domain(_request(), exc, self.conf)
        self.assertEqual(500, response.status_code)
        self.assertIn('broken', logger.output)


def _operational(message):
    """SQLAlchemy's wrapper of a driver error, as a failed query raises."""
    return sa_exc.OperationalError(
        'SELECT tasks.input FROM tasks WHERE tasks.id = %(id)s',
        {'id': 'secret-param'}, Exception(message + '\nDETAIL: more'))


class TestDatabaseUnavailable(base.TestCase):

    def test_outages_are_recognised(self):
        for exc in (db_exc.DBConnectionError(_operational('gone')),
                    db_exc.DBDeadlock(_operational('deadlock')),
                    db_exc.DBNonExistentDatabase(
                        None, _operational('unable to open database file')),
                    _operational('connection refused'),
                    db_exc.DBError(_operational('database is locked')),
                    sa_exc.TimeoutError('QueuePool limit reached')):
            with self.subTest(exc=type(exc).__name__):
                self.assertTrue(errors.database_unavailable(exc))

    def test_other_errors_are_not(self):
        for exc in (db_exc.DBDuplicateEntry(['id']),
                    db_exc.DBDataError(_operational('too long')),
                    db_exc.DBError(ValueError('bug')),
                    sa_exc.IntegrityError('INSERT', {}, Exception('fk')),
                    RuntimeError('bug')):
            with self.subTest(exc=type(exc).__name__):
                self.assertFalse(errors.database_unavailable(exc))

    def test_503_with_retry_after_and_no_internals(self):
        logger = self.useFixture(fixtures.FakeLogger())
        exc = db_exc.DBConnectionError(_operational(
            'connection to server at "127.0.0.1", port 1 failed'))
        response = errors.from_database(_request(), exc, self.conf)
        self.assertEqual(503, response.status_code)
        self.assertEqual(str(errors.DATABASE_RETRY_AFTER),
                         response.headers['Retry-After'])
        error = response.json_body['errors'][0]
        self.assertEqual('image.database_unavailable', error['code'])
        self.assertEqual('Service Unavailable', error['title'])
        self.assertEqual('req-1', error['request_id'])
        self.assertEqual('The database is unavailable; retry after %d '
                         'seconds.' % errors.DATABASE_RETRY_AFTER,
                         error['detail'])
        for leak in ('SELECT', 'secret-param', '127.0.0.1'):
            self.assertNotIn(leak, response.text)
        # The log names the driver's failure, never the SQL or its values.
        self.assertIn('port 1 failed', logger.output)
        for leak in ('SELECT', 'secret-param', 'DETAIL'):
            self.assertNotIn(leak, logger.output)


class TestRouterOutage(base.TestCase):
    """The router's 503, logged through oslo.log's own formatter."""

    def _serve(self, exc):
        def handler(req):
            raise exc

        state = types.SimpleNamespace(conf=self.conf)
        app = router.Router(state, {'/v2/tasks': {'GET': handler}})
        stream = io.StringIO()
        log_handler = logging.StreamHandler(stream)
        log_conf = cfg.ConfigOpts()
        oslo_log.register_options(log_conf)
        log_conf(args=[])
        log_handler.setFormatter(formatters.ContextFormatter(
            config=log_conf, project='glance-tasks'))
        logger = logging.getLogger('glance_tasks.api.errors')
        logger.addHandler(log_handler)
        self.addCleanup(logger.removeHandler, log_handler)
        response = _request().get_response(app)
        return response, stream.getvalue()

    def test_log_line_carries_no_exception(self):
        # oslo.log appends the exception being handled to a warning
        # logged inside an except block: SQLAlchemy's class and message.
        response, output = self._serve(db_exc.DBConnectionError(
            _operational('server closed the connection unexpectedly')))
        self.assertEqual(503, response.status_code)
        self.assertIn('the database is unavailable (Exception: server '
                      'closed the connection unexpectedly)', output)
        for leak in ('sqlalchemy', 'oslo_db', 'SELECT', 'secret-param'):
            self.assertNotIn(leak, output)

    def test_connection_lost_inside_a_transaction(self):
        lost = sa_exc.PendingRollbackError(
            "Can't reconnect until invalid transaction is rolled back.",
            code='8s2b')
        self.assertEqual(503, self._serve(lost)[0].status_code)
        flush = sa_exc.PendingRollbackError(
            "This Session's transaction has been rolled back due to a "
            "previous exception during flush.", code='7s2a')
        self.assertRaises(sa_exc.PendingRollbackError, self._serve, flush)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


class TestFaultWrapper(base.TestCase):

    def _call(self, application, **headers):
        wrapped = errors.FaultWrapper(application, self.conf)
        req = webob.Request.blank('/v2/tasks', headers=headers)
        return req.get_response(wrapped)

    def test_unexpected_exception_is_a_generic_500(self):
        def broken(environ, start_response):
            raise RuntimeError('secret internals')

        response = self._call(broken)
        self.assertEqual(500, response.status_code)
        body = response.json_body
        self.assertEqual('image.internal_error', body['errors'][0]['code'])
        self.assertNotIn('secret internals', response.text)
        self.assertNotIn('Traceback', response.text)

    def test_foreign_html_error_is_reformatted(self):
        @webob.dec.wsgify
        def too_large(req):
            raise webob.exc.HTTPRequestEntityTooLarge()

        response = self._call(too_large, Accept='text/html')
        self.assertEqual(413, response.status_code)
        self.assertIn('[api] max_request_body_size',
                      response.json_body['errors'][0]['detail'])

    def test_foreign_json_error_message_is_kept(self):
        def unauthorized(environ, start_response):
            start_response('401 Unauthorized', [
                ('Content-Type', 'application/json'),
                ('WWW-Authenticate', "Keystone uri='http://k'")])
            return [b'{"error": {"code": 401, "title": "Unauthorized", '
                    b'"message": "The request you have made requires '
                    b'authentication."}}']

        response = self._call(unauthorized)
        self.assertEqual(401, response.status_code)
        self.assertEqual("Keystone uri='http://k'",
                         response.headers['WWW-Authenticate'])
        self.assertIn('requires authentication',
                      response.json_body['errors'][0]['detail'])

    def test_success_passes_untouched(self):
        def ok(environ, start_response):
            start_response('200 OK', [('Content-Type', 'text/plain')])
            return [b'fine']

        self.assertEqual(b'fine', self._call(ok).body)
