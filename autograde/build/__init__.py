"""The release build: solutions, lessons, grading sources and samples from one source."""
