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

"""Who sent a request: keystonemiddleware, or trusted headers (noauth).

Both strategies end in :class:`ContextMiddleware`, which builds the
:class:`~glance_tasks.context.RequestContext` from the identity headers
(``X-Project-Id`` or Glance's ``X-Tenant-Id``, ``X-User-Id``, ``X-Roles``)
that auth_token sets after validating a token, or that the caller sent
itself under ``noauth``. An empty header counts as absent.

Role names are matched by oslo.policy as everywhere in OpenStack: the
``X-Roles`` list is split on commas with the spaces around each name
dropped (oslo.context), and ``role:admin`` compares without regard to
case (oslo.policy's RoleCheck), under both strategies alike.
"""

from keystonemiddleware import auth_token
from oslo_log import log as logging
import webob.dec

from glance_tasks.api import util
from glance_tasks import context as gt_context

LOG = logging.getLogger(__name__)

# noauth without any identity header at all: the local operator, as
# Glance's unauthenticated context is an admin. With a project but no
# roles: a plain project member. Any other caller without roles (a user
# without a project, say) gets none: it owns nothing and sees nothing.
NOAUTH_ANONYMOUS_ROLES = ('admin', 'member', 'reader')
NOAUTH_PROJECT_ROLES = ('member', 'reader')


class ContextMiddleware:
    """Put a RequestContext from the identity headers on the environ."""

    def __init__(self, application, noauth=False):
        self.application = application
        self.noauth = noauth

    @webob.dec.wsgify
    def __call__(self, req):
        context = gt_context.RequestContext.from_environ(req.environ)
        if self.noauth and not context.roles:
            context.roles = list(_noauth_roles(req.environ, context))
        if not self.noauth:
            # Only auth_token's: it sets it from the token, and drops any
            # the client sent.
            context.service_catalog = gt_context.service_catalog_of(
                req.environ)
        req.environ[util.CONTEXT_KEY] = context
        return req.get_response(self.application)


def _noauth_roles(environ, context):
    """Roles of a noauth caller who sent no ``X-Roles``."""
    if not gt_context.has_identity(environ):
        return NOAUTH_ANONYMOUS_ROLES
    if context.project_id:
        return NOAUTH_PROJECT_ROLES
    return ()


def wrap(application, conf):
    """Wrap ``application`` with the ``[api] auth_strategy`` chosen."""
    if conf.api.auth_strategy == 'keystone':
        # auth_token validates the token and replaces the identity headers
        # with the token's, so callers cannot forge them.
        application = ContextMiddleware(application)
        return auth_token.AuthProtocol(application,
                                       {'oslo_config_config': conf})
    if conf.bind_host not in ('127.0.0.1', '::1', 'localhost'):
        LOG.warning('[api] auth_strategy is noauth: anyone who can reach '
                    '%s may act as any project. Use keystone unless this '
                    'address is private to one trusted user.',
                    conf.bind_host)
    return ContextMiddleware(application, noauth=True)
