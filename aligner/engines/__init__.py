"""Where a run's heavy work happens (this process or a Ray cluster), and the spool its units wait in."""
