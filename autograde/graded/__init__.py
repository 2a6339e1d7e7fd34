"""What the course grades: each graded function's declaration, inputs, comparison, mistakes."""
