"""The annotation loop: tasks for annotators, their answers read back, metrics and calibration."""
