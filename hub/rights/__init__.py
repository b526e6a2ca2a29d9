"""Subjects' rights: objections, credit repair, publicity windows."""
