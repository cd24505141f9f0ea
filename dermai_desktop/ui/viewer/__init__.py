"""Lesion image viewer, comparison over time and growth chart (issue #4, sections 4 and 5)."""
