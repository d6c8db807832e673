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

"""Build the WSGI application: router, auth, then oslo.middleware.

Request order, outermost first: HTTP proxy headers, request id, the
check that path, query and headers are text (400 otherwise),
healthcheck, the fault wrapper (JSON errors from every layer below it),
the version document (no token needed), the body size limit,
authentication and the request context, then the router.
"""

import dataclasses
import re

from oslo_config import cfg
from oslo_middleware import healthcheck
from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import request_id
from oslo_middleware import sizelimit

from glance_tasks.api import auth
from glance_tasks.api import errors
from glance_tasks.api import request_text
from glance_tasks.api import router
from glance_tasks import policies


HEALTHCHECK_PATH = '/healthcheck'


@dataclasses.dataclass(frozen=True)
class APIState:
    """What handlers need besides the request: config, service, policy."""

    conf: cfg.ConfigOpts
    service: object
    enforcer: object


def _size_limit(application, conf):
    # oslo.middleware reads its limit from [oslo_middleware]; ours is
    # [api] max_request_body_size, handed over on a private ConfigOpts so
    # the operator's configuration is never overridden at run time.
    limiter_conf = cfg.ConfigOpts()
    limiter = sizelimit.RequestBodySizeLimiter(application, limiter_conf)
    limiter_conf.set_override('max_request_body_size',
                              conf.api.max_request_body_size,
                              group='oslo_middleware')
    return ImageDataBypass(limiter, application)


# PUT /v2/images/{image_id}/file and /stage: image data, held to
# image_size_cap by its handler while it streams, not to the JSON body
# limit.
_IMAGE_DATA_PATH = re.compile(r'^/v2/images/[^/]+/(file|stage)/?$')


class ImageDataBypass:
    """Send image uploads around the body size limiter."""

    def __init__(self, limited, unlimited):
        self.limited = limited
        self.unlimited = unlimited

    def __call__(self, environ, start_response):
        if (environ.get('REQUEST_METHOD') == 'PUT'
                and _IMAGE_DATA_PATH.match(environ.get('PATH_INFO', ''))):
            return self.unlimited(environ, start_response)
        return self.limited(environ, start_response)


class Mount:
    """Send the paths of ``mounts`` to their apps, others to ``application``.

    oslo.middleware's healthcheck is an application, no longer a filter
    that picks its own path; the version document needs no token.
    """

    def __init__(self, application, mounts):
        self.application = application
        self.mounts = mounts

    def __call__(self, environ, start_response):
        mounted = self.mounts.get(environ.get('PATH_INFO'), self.application)
        return mounted(environ, start_response)


def make_app(conf, service, enforcer=None):
    """The API as a WSGI callable, serving ``service`` (a TaskService)."""
    state = APIState(conf, service, enforcer or policies.make_enforcer(conf))
    application = auth.wrap(router.Router(state), conf)
    application = _size_limit(application, conf)
    public = router.Router(state, router.PUBLIC_ROUTES)
    application = Mount(application, dict.fromkeys(router.PUBLIC_ROUTES,
                                                   public))
    application = errors.FaultWrapper(application, conf)
    application = Mount(application, {
        HEALTHCHECK_PATH: healthcheck.Healthcheck(None, conf)})
    application = request_text.RequestText(application, conf)
    application = request_id.RequestId(application)
    return http_proxy_to_wsgi.HTTPProxyToWSGI(application, conf)
