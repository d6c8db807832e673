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

"""Request context: who is asking, and the database session they hold."""

from oslo_context import context
from oslo_db.sqlalchemy import enginefacade
from oslo_serialization import jsonutils

# The WSGI environ keys of the headers that say who is asking: the ones
# keystonemiddleware's auth_token sets from a token (and removes from the
# request first), which oslo.context reads. X-Auth-Token is not among
# them: under noauth it proves nothing, and clients send one anyway.
IDENTITY_HEADERS = (
    'HTTP_X_USER_ID', 'HTTP_X_USER', 'HTTP_X_USER_NAME',
    'HTTP_X_USER_DOMAIN_ID', 'HTTP_X_USER_DOMAIN_NAME',
    'HTTP_X_PROJECT_ID', 'HTTP_X_TENANT_ID', 'HTTP_X_TENANT',
    'HTTP_X_PROJECT_NAME', 'HTTP_X_TENANT_NAME',
    'HTTP_X_PROJECT_DOMAIN_ID', 'HTTP_X_PROJECT_DOMAIN_NAME',
    'HTTP_X_DOMAIN_ID', 'HTTP_X_DOMAIN_NAME',
    'HTTP_X_ROLES', 'HTTP_X_ROLE',
    'HTTP_OPENSTACK_SYSTEM_SCOPE',
    'HTTP_X_SERVICE_USER_ID', 'HTTP_X_SERVICE_PROJECT_ID',
    'HTTP_X_SERVICE_ROLES',
)


def _given(environ, key):
    value = environ.get(key)
    return isinstance(value, str) and bool(value.strip())


def has_identity(environ):
    """True if any identity header holds a value (empty is absent)."""
    return any(_given(environ, key) for key in IDENTITY_HEADERS)


# keystonemiddleware's auth_token sets it from the validated token (v2
# shape: [{"type", "endpoints": [{"region", "publicURL", ...}]}]) and
# removes any a client sent.
SERVICE_CATALOG = 'HTTP_X_SERVICE_CATALOG'


def service_catalog_of(environ):
    """The catalog auth_token put on the request; [] if none or unreadable.

    Call it only behind auth_token: under noauth the header is the
    client's own and proves nothing.
    """
    value = environ.get(SERVICE_CATALOG)
    if not value:
        return []
    try:
        catalog = jsonutils.loads(value)
    except ValueError:
        return []
    return catalog if isinstance(catalog, list) else []


@enginefacade.transaction_context_provider
class RequestContext(context.RequestContext):
    """oslo.context's context, carrying an enginefacade transaction.

    ``service_catalog``: the caller's Keystone catalog (glance-download
    finds the other region's image service there), set only under
    ``auth_strategy = keystone``; None otherwise. It is not in
    :meth:`to_dict`, so no log line or notification carries it.
    """

    service_catalog = None

    @classmethod
    def from_environ(cls, environ, **kwargs):
        """oslo.context's, with an empty identity header taken as absent.

        oslo.context takes the first of ``X-Project-Id``, ``X-Tenant-Id``
        that is present, even empty: ``X-Project-Id:`` beside
        ``X-Tenant-Id: p2`` gave no project at all instead of p2.
        """
        given = {key: value for key, value in environ.items()
                 if key not in IDENTITY_HEADERS or _given(environ, key)}
        found = super().from_environ(given, **kwargs)
        # "admin,,member" names two roles, not an empty third.
        found.roles = [role for role in found.roles if role]
        return found


def get_admin_context():
    """A context for the service's own background work."""
    return RequestContext(is_admin=True, overwrite=False)
