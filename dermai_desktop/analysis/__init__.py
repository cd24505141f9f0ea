"""Adapter for on-device lesion analysis: our ONNX classifier and segmenter, ABCD measurements.

Implements ``services.analysis_ports.LesionAnalyzer``. Constructing the
analyzer is cheap; the model files are verified and the onnxruntime sessions
created on first use, on the calling (worker) thread.
"""

from dermai_desktop.analysis.engine import OnnxLesionAnalyzer

__all__ = ["OnnxLesionAnalyzer"]
