"""Qt item models over service DTOs (named so they are not confused with ONNX models)."""
