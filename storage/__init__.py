"""Models, sessions, repositories and migrations."""
