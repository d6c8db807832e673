"""Pure-Python domain: the task and image status machines."""
