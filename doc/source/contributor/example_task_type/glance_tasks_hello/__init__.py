"""An example task type for glance_tasks, installed as its own package."""
