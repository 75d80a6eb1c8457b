"""Django's SQLite backend with a writer that says when it waits (see base.py)."""
