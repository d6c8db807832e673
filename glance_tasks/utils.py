"""Small helpers shared by the API and the notifications."""


def isotime(value):
    """Glance's timestamp format: ``2026-11-27T07:18:17Z``, or None."""
    if value is None:
        return None
    return value.strftime('%Y-%m-%dT%H:%M:%SZ')
