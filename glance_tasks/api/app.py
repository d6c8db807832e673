"""Build the WSGI application: router, auth, then oslo.middleware.

Request order, outermost first: HTTP proxy headers, request id,
healthcheck (answered before auth), the fault wrapper (JSON errors from
every layer below it), the body size limit, authentication and the
request context, then the router.
"""

import dataclasses

from oslo_config import cfg
from oslo_middleware import healthcheck
from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import request_id
from oslo_middleware import sizelimit

from glance_tasks.api import auth
from glance_tasks.api import errors
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
    return limiter


class Mount:
    """Send ``path`` to ``mounted``, everything else to ``application``.

    oslo.middleware's healthcheck is an application, no longer a filter
    that picks its own path.
    """

    def __init__(self, application, path, mounted):
        self.application = application
        self.path = path
        self.mounted = mounted

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO') == self.path:
            return self.mounted(environ, start_response)
        return self.application(environ, start_response)


def make_app(conf, service, enforcer=None):
    """The API as a WSGI callable, serving ``service`` (a TaskService)."""
    state = APIState(conf, service, enforcer or policies.make_enforcer(conf))
    application = auth.wrap(router.Router(state), conf)
    application = _size_limit(application, conf)
    application = errors.FaultWrapper(application, conf)
    application = Mount(application, HEALTHCHECK_PATH,
                        healthcheck.Healthcheck(None, conf))
    application = request_id.RequestId(application)
    return http_proxy_to_wsgi.HTTPProxyToWSGI(application, conf)
