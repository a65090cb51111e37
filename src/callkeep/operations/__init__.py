"""Operating a server: is it alive, is it ready, what are its numbers."""
