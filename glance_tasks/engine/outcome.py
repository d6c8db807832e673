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

"""Words for what went wrong, fit for a task's ``message``.

Users read these; they get the exception's own message, never a traceback
(the traceback goes to the log).
"""

from oslo_db import exception as db_exc
from sqlalchemy import exc as sa_exc
from taskflow import exceptions as tf_exc

from glance_tasks import exception

# Their text quotes SQL parameters, which may include the task's input.
_DATABASE_ERRORS = (tf_exc.StorageFailure, sa_exc.SQLAlchemyError,
                    db_exc.DBError)
DATABASE_MESSAGE = ('The service could not save the progress of the task '
                    'to its database (%s); an operator can find the cause '
                    'in the service log.')


def describe(exc):
    """The message of an exception raised by a flow's atom."""
    if isinstance(exc, tf_exc.WrappedFailure):
        return '; '.join(_describe_failure(failure) for failure in exc)
    if isinstance(exc, exception.GlanceTasksException):
        return exc.message
    if isinstance(exc, _DATABASE_ERRORS):
        return DATABASE_MESSAGE % type(exc).__name__
    return str(exc) or type(exc).__name__


def _describe_failure(failure):
    return failure.exception_str or failure.exception_type_names[0]


def describe_unexpected(exc):
    """An exception no atom meant to raise: its class and message."""
    if isinstance(exc, _DATABASE_ERRORS):
        return DATABASE_MESSAGE % type(exc).__name__
    text = str(exc)
    name = type(exc).__name__
    return ('Unexpected error while running the task: %s: %s'
            % (name, text) if text else
            'Unexpected error while running the task: %s' % name)


def describe_failed_revert(engine, revert_exc):
    """A flow whose undo failed too: say both what failed and what remains."""
    causes = [_describe_failure(failure) for failure in
              engine.storage.get_execute_failures().values()]
    cause = '; '.join(causes) or 'the task failed'
    return ('%s. Undoing the work already done also failed (%s), so some '
            'of it may remain.' % (cause.rstrip('.'), describe(revert_exc)))
