"""The configuration and the image store the image task types use.

A flow factory is called as ``factory(task_id, task_input)``, so the atoms
of the image task types find the service's configuration here. The process
that runs flows calls :func:`configure` with its ``ConfigOpts`` once (the
task service should do it when it starts). Until someone does,
:func:`get_conf` answers the configuration most recently loaded by
:func:`glance_tasks.conf.load` -- the only one in a service process.
"""

import threading
import weakref

from glance_tasks import exception

_lock = threading.Lock()
_explicit = None
_loaded = None  # weak reference to the last ConfigOpts fully loaded
_store = (None, None)  # (conf, the ImageStore built from it)


def configure(conf):
    """Use ``conf`` for the image task types of this process."""
    global _explicit, _store
    with _lock:
        _explicit = conf
        _store = (None, None)


def reset():
    """Forget the configuration and the stores built from it (tests)."""
    global _explicit, _store
    with _lock:
        _explicit = None
        _store = (None, None)


def remember_loaded(conf):
    """Called when ``conf`` has every option of the service registered."""
    global _loaded
    _loaded = weakref.ref(conf)


def get_conf():
    conf = _explicit
    if conf is None and _loaded is not None:
        conf = _loaded()
    if conf is None:
        raise exception.GlanceTasksException(
            'The image task types have no configuration: the service '
            'must call glance_tasks.images.runtime.configure(conf).')
    return conf


def get_store():
    """The :class:`~glance_tasks.images.store.ImageStore` of the conf."""
    global _store
    from glance_tasks.images import store as store_mod
    conf = get_conf()
    with _lock:
        cached_conf, store = _store
        if cached_conf is not conf:
            store = store_mod.ImageStore(conf)
            _store = (conf, store)
        return store
