"""Built-in detectors plugins."""
