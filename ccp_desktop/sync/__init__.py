"""Excel sync packages: format, export, verify, import planning and applying, signing."""
