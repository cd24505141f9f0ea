"""Settings → Lesion analysis: the models' card and the clinic's model-vs-pathology table.

For dermatologists and the manager. The table holds counts only (the model's
leading class against the biopsy result, one count per biopsied lesion), no
patient data; reading it is audited by the service.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFrame,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.analysis import (
    CLASS_CODES,
    CLASS_LABELS,
    DISCLAIMER,
    OTHER_PATHOLOGY,
    ModelVsPathology,
)
from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.domain.roles import Operation
from dermai_desktop.services.analysis_ports import ModelCardSummary
from dermai_desktop.ui import theme
from dermai_desktop.ui.analysis.client import AnalysisClient, model_line
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.chart_common import card
from dermai_desktop.ui.widgets.forms import button, muted_label

PATHOLOGY_ROWS = (*CLASS_CODES, OTHER_PATHOLOGY)


def card_html(summary: ModelCardSummary) -> str:
    rows = [
        (
            "Classifier",
            f"{model_line(summary.classifier)}<br><code>SHA-256 {summary.classifier.sha256}</code>",
        ),
        (
            "Segmenter",
            f"{model_line(summary.segmenter)}<br><code>SHA-256 {summary.segmenter.sha256}</code>",
        ),
        ("Intended use", escape(summary.intended_use)),
        ("Known limits", "<br>".join(f"• {escape(line)}" for line in summary.known_limits)),
        ("Licence", escape(summary.licence)),
        ("Measured", "<br>".join(f"• {escape(line)}" for line in summary.figures)),
    ]
    muted = theme.token("muted")
    return (
        "<table cellspacing='0' cellpadding='4'>"
        + "".join(
            f"<tr><td style='color:{muted};padding-right:14px' valign='top'>{key}</td>"
            f"<td>{value}</td></tr>"
            for key, value in rows
        )
        + "</table>"
    )


def agreement_text(table: ModelVsPathology) -> str:
    agreement = table.agreement()
    if agreement is None:
        return (
            "No biopsied lesion has an analysis yet. When a pathology result is entered on a "
            "lesion, its latest analysis before the biopsy is counted here."
        )
    return (
        f"{table.lesions} biopsied lesion{'s' if table.lesions != 1 else ''} with an analysis; "
        f"the model's leading class matched pathology in {agreement * 100:.0f} %. "
        "Small numbers: read it as a local check, not a validation study."
    )


class AnalysisSettingsPage(QWidget):
    def __init__(  # noqa: PLR0915 - one layout
        self, session: Session, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("analysisSettings")
        self.setAccessibleName("Lesion analysis")
        self._session, self._tasks = session, tasks
        self._client: AnalysisClient = session.services.analysis
        self.loaded = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll)
        body = QWidget()
        body.setObjectName("scrollBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 8, 12, 8)
        layout.setSpacing(14)
        scroll.setWidget(body)
        self.status = InlineStatus()
        layout.addWidget(self.status)
        disclaimer = QLabel(DISCLAIMER)
        disclaimer.setObjectName("analysisDisclaimerLight")
        disclaimer.setWordWrap(True)
        layout.addWidget(disclaimer)

        model_card, model_layout = card("card")
        title = QLabel("The models")
        title.setObjectName("sectionTitle")
        model_layout.addWidget(title)
        self.card_label = QLabel("Reading the model card…")
        self.card_label.setObjectName("analysisCardLine")
        self.card_label.setTextFormat(Qt.TextFormat.RichText)
        self.card_label.setWordWrap(True)
        self.card_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        model_layout.addWidget(self.card_label)
        layout.addWidget(model_card)

        self.table_card, table_layout = card("card")
        title = QLabel("Model vs pathology")
        title.setObjectName("sectionTitle")
        table_layout.addWidget(title)
        table_layout.addWidget(
            muted_label(
                "Rows: the biopsy result. Columns: the model's leading class in the lesion's "
                "latest analysis before the biopsy. The diagonal is agreement."
            )
        )
        self.table = QTableWidget(len(PATHOLOGY_ROWS), len(CLASS_CODES))
        self.table.setObjectName("modelVsPathology")
        self.table.setAccessibleName("Model versus pathology counts")
        self.table.setHorizontalHeaderLabels([code.upper() for code in CLASS_CODES])
        for column, code in enumerate(CLASS_CODES):
            header_item = self.table.horizontalHeaderItem(column)
            if header_item is not None:
                header_item.setToolTip(f"Model: {CLASS_LABELS[code]}")
        self.table.setVerticalHeaderLabels(
            [("Other" if code == OTHER_PATHOLOGY else code.upper()) for code in PATHOLOGY_ROWS]
        )
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.setFixedHeight(
            self.table.horizontalHeader().sizeHint().height()
            + len(PATHOLOGY_ROWS) * self.table.verticalHeader().defaultSectionSize()
            + 4
        )
        table_layout.addWidget(self.table)
        self.agreement = muted_label("")
        table_layout.addWidget(self.agreement)
        self.refresh_button = button("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        table_layout.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.table_card)
        self.table_card.setVisible(session.may(Operation.ANALYSIS_VALIDATION))
        layout.addStretch(1)

    def refresh(self) -> None:
        self.loaded = True
        client, actor = self._client, self._session.actor
        self._tasks.run(
            lambda: client.model_card(actor),
            on_success=lambda summary: self.card_label.setText(card_html(summary)),
            on_error=self._card_failed,
            owner=self,
        )
        if self._session.may(Operation.ANALYSIS_VALIDATION):
            self._tasks.run(
                lambda: client.model_vs_pathology(actor),
                on_success=self.show_table,
                on_error=self._failed,
                owner=self,
            )

    def show_table(self, table: ModelVsPathology) -> None:
        accent = QColor(theme.token("accent"))
        for row, pathology in enumerate(PATHOLOGY_ROWS):
            counts = table.counts.get(pathology, {})
            for column, model in enumerate(CLASS_CODES):
                count = counts.get(model, 0)
                item = QTableWidgetItem(str(count) if count else "·")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if pathology == model:  # the diagonal: agreement
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                    item.setForeground(accent)
                    item.setToolTip("Model and pathology agree")
                self.table.setItem(row, column, item)
        self.agreement.setText(agreement_text(table))

    def _card_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ExpectedError):
            self.card_label.setText(escape(f"{exc.title}: {exc.user_text()}"))
        else:
            self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        self.status.show_failure(exc, self._tasks.report)

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)  # type: ignore[arg-type]
        if not self.loaded:
            self.refresh()


__all__ = ["AnalysisSettingsPage", "agreement_text", "card_html"]
