"""The Analyze workflow: result panel and viewer dock, analyse-all, pathology, validation."""
