"""Server-rendered pages: the public Do-Not-Call page, and the base layout staff pages extend."""
