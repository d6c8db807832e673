"""Task types: stevedore plugins in the ``glance_tasks.task_types`` namespace.

A task type is a class (or any object) with three attributes:

``name``
    The type name users pass as ``type`` (the entry point's name).
``input_schema``
    A JSON schema the task ``input`` must satisfy; checked when the task is
    created, so bad input is refused at once instead of failing later.
``flow_factory``
    The dotted name of a function ``factory(task_id, task_input)`` returning
    a TaskFlow flow. It is importable by name so a conductor on another
    host can rebuild the flow. The flow's result is the value its atoms
    provide under the name ``result`` (:data:`RESULT`), a JSON object.

The executor, not the type, moves the task through its statuses.
"""

RESULT = 'result'


class TaskType:
    """Convenience base for task types; subclasses set the attributes."""

    name = None
    input_schema = {'type': 'object'}
    flow_factory = None
    description = ''
