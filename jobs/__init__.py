"""Background jobs: thin wrappers, each calling one hub service, run by one scheduler."""
