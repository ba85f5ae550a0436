"""What is made of a run's pairs: tasks for annotators and their answers read back, metrics,
calibration, and the report that shows the events."""
