"""Expected versus actual submissions: due times, extensions, on-time counting."""
