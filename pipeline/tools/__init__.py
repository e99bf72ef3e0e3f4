"""Tools (floor 4): evaluate, diff, export, review and bench, over readers and extractors."""
