"""The digit classifier: a small all-conv net with 11 outputs (0-9, 10 = not a digit)."""

from __future__ import annotations

import torch
from torch import nn

from train.config import STAGES, Stages

NUM_CLASSES = 11
NOT_A_DIGIT = 10
# MNIST pixel mean/std in [0, 1]; baked into the model so the ONNX takes raw [0, 1] input.
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081


def _block(cin: int, cout: int) -> list[nn.Module]:
    # No conv bias: BatchNorm's shift does that job.
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


class DigitNet(nn.Module):
    """3x3 conv stages with max-pooling, the last 7x7 map averaged over its four overlapping
    4x4 corners, one linear layer.

    By the last 7x7 conv the receptive field (30 px) covers the whole glyph, so a global
    average would do, but where a feature lies tells a 6 from a 0 or a 9 from a 4: the four
    corner averages, for about a thousand more parameters, read MNIST 0.09 points better
    (99.53% against 99.44%, 12 epochs, seeds 0-2) at the same speed. A flat dense layer
    over the whole map would cost ten times as many.
    """

    def __init__(self, stages: Stages = STAGES) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(MNIST_MEAN), persistent=False)
        self.register_buffer("std", torch.tensor(MNIST_STD), persistent=False)
        layers: list[nn.Module] = []
        cin = 1
        for i, widths in enumerate(stages):
            if i:
                layers.append(nn.MaxPool2d(2))
            for w in widths:
                layers += _block(cin, w)
                cin = w
        layers += [nn.AvgPool2d(4, stride=3), nn.Flatten()]  # 7x7 -> 2x2 (rows 0-3, 3-6)
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(cin * 4, NUM_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits [N, 11] for raw input in [0, 1]."""
        return self.head(self.features((x - self.mean) / self.std))


class WithSoftmax(nn.Module):
    """What ships: probabilities, so the app needs no softmax of its own."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(x), dim=1)


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
