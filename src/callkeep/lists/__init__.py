"""Do-Not-Call lists: imports with provenance, versioned snapshot files, vectorised look-ups."""
