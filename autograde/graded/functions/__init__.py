"""The graded functions, declared once each: one module per part of the course."""
