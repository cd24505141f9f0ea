"""A small ResNet for 7-class dermoscopy classification on one CPU thread, trained from scratch.

Input: (N, 3, S, S) float32, RGB, normalised as in ``data.normalise`` (S is the ``size`` in the
model card). Output: logits over ``data.CLASSES``. ``ExportWrapper`` folds flip test-time
augmentation and the temperature into the exported ONNX graph.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812 — the PyTorch convention


class BasicBlock(nn.Module):
    """Pre-activation-free ResNet basic block (conv-BN-ReLU-conv-BN + shortcut)."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short: nn.Module = nn.Identity()
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)), inplace=True)
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.short(x), inplace=True)


class LesionNet(nn.Module):
    """Stem (stride 2) + four stages of basic blocks + global average pool + dropout + linear."""

    def __init__(
        self,
        widths: tuple[int, ...] = (32, 64, 128, 256),
        blocks: tuple[int, ...] = (1, 1, 1, 1),
        n_classes: int = 7,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, widths[0], 3, 2, 1, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(inplace=True),
        )
        layers: list[nn.Module] = []
        cin = widths[0]
        for i, (w, n) in enumerate(zip(widths, blocks, strict=True)):
            for j in range(n):
                layers.append(BasicBlock(cin, w, 2 if (j == 0 and i > 0) else 1))
                cin = w
        self.body = nn.Sequential(*layers)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(cin, n_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        # Zero-init the last BN of each block: blocks start as identity (stabler from scratch).
        for m in self.modules():
            if isinstance(m, BasicBlock):
                nn.init.zeros_(m.bn2.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.body(self.stem(x))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.head(self.drop(x))


class ExportWrapper(nn.Module):
    """What the ONNX file computes: flip-TTA mean logits, then softmax(logits / T).

    Outputs ``logits`` (TTA mean, uncalibrated) and ``probs`` (temperature-scaled softmax), so
    ``evaluate.py`` can measure calibration before and after scaling from the file alone.
    """

    def __init__(self, net: nn.Module, temperature: float, tta: bool) -> None:
        super().__init__()
        self.net = net
        self.tta = tta
        self.register_buffer("inv_t", torch.tensor(1.0 / temperature, dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.tta:
            n = x.shape[0]
            views = torch.cat([x, torch.flip(x, [3]), torch.flip(x, [2]), torch.flip(x, [2, 3])], 0)
            logits = self.net(views).reshape(4, n, -1).mean(0)
        else:
            logits = self.net(x)
        return logits, torch.softmax(logits * self.inv_t, dim=1)


def build(arch: str) -> LesionNet:
    """Named configurations (the card records the name)."""
    configs = {
        "r8-32": {"widths": (32, 64, 128, 256), "blocks": (1, 1, 1, 1)},
        "r8-24": {"widths": (24, 48, 96, 192), "blocks": (1, 1, 1, 1)},
        "r10-32": {"widths": (32, 64, 128, 256), "blocks": (1, 1, 2, 1)},
    }
    return LesionNet(**configs[arch])  # type: ignore[arg-type]
