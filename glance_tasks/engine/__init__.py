"""Running task flows: the lifecycle mapping and the executors."""
