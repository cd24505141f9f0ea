"""onnxruntime sessions, created on first use on the calling (worker) thread and then reused.

The model bytes are checked against the card first and the session is built
from those same bytes, so nothing can swap the file between check and load.
One intra-op thread: the models take about a millisecond, and the GUI and the
rest of the clinic need the other cores more than we need parallel matmuls.
"""

from __future__ import annotations

import threading

import numpy as np
import onnxruntime as ort

from dermai_desktop.analysis.models import ModelCard, verified_model_bytes
from dermai_desktop.services.analysis_ports import AnalysisUnavailable


class LazySession:
    """One model's session; thread-safe lazy creation, then shared (``run`` is thread-safe)."""

    def __init__(self, card: ModelCard) -> None:
        self.card = card
        self._lock = threading.Lock()
        self._session: ort.InferenceSession | None = None

    def _get(self) -> ort.InferenceSession:
        with self._lock:
            if self._session is None:
                model = verified_model_bytes(self.card)
                options = ort.SessionOptions()
                options.intra_op_num_threads = 1
                options.inter_op_num_threads = 1
                options.log_severity_level = 3  # errors only: warnings would reach our logs
                try:
                    self._session = ort.InferenceSession(
                        model, sess_options=options, providers=["CPUExecutionProvider"]
                    )
                except Exception:  # onnxruntime raises its own, undocumented error types
                    raise AnalysisUnavailable(
                        "The lesion analysis model cannot be loaded on this computer.",
                        "Everything else keeps working. Ask IT to reinstall DermAI Desktop.",
                    ) from None
            return self._session

    def run(self, output: str, batch: np.ndarray) -> np.ndarray:
        session = self._get()
        name = session.get_inputs()[0].name
        result = session.run([output], {name: batch})[0]
        return np.asarray(result, dtype=np.float32)
