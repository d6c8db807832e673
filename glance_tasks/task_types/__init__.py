"""Task types: stevedore plugins in the ``glance_tasks.task_types`` namespace.

What a type declares, and what its atoms receive from the engine, is
written down in :mod:`glance_tasks.task_types.base`; the built-in types
are one module each; :mod:`.registry` loads them and offers the enabled
ones. ``doc/source/contributor/task-types.rst`` tells how to write one.
"""
