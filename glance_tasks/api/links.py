"""``first``/``next`` links of a list page, built as Glance builds them."""

import urllib.parse


def page(req, base, items, limit, body):
    """Add ``first`` and, after a full page, ``next`` to ``body``.

    Glance drops ``marker`` from ``first`` and points ``next`` at the last
    item of a full page; a page shorter than ``limit`` is the last one.
    """
    params = [(name, value) for name, value in req.GET.items()
              if name != 'marker']
    query = urllib.parse.urlencode(params)
    body['first'] = '%s?%s' % (base, query) if query else base
    if items and len(items) == limit:
        params.append(('marker', items[-1].id))
        body['next'] = '%s?%s' % (base, urllib.parse.urlencode(params))
    return body
