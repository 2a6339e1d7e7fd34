"""The OS sandbox a graded kernel runs in; it imports nothing else of the grader."""
