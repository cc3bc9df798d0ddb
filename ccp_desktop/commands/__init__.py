"""Command-line handlers, grouped (the CLI layer: they parse arguments and call the core, nothing more)."""
