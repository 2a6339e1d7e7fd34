"""Runs in the grader's processes: course folders, batches, workers, verdicts, reports."""
