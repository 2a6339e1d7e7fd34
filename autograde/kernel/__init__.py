"""Runs in the student's kernel: the checks a lesson calls and the results they send."""
