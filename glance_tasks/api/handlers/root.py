"""The version document at ``/`` (300) and ``/versions`` (200), as Glance."""

from glance_tasks.api import util

# Glance v2 without microversions: one entry is what clients discover.
VERSIONS = (('v2.0', 'CURRENT'),)


def _versions(req):
    href = req.application_url.rstrip('/') + '/v2/'
    return {'versions': [{'id': version, 'status': status,
                          'links': [{'rel': 'self', 'href': href}]}
                         for version, status in VERSIONS]}


def home(req):
    """``GET /``: Glance answers 300 Multiple Choices."""
    return util.json_response(_versions(req), status=300)


def versions(req):
    """``GET /versions``: the same document, 200 (an explicit request)."""
    return util.json_response(_versions(req))
