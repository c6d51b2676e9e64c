"""PyTorch's own training loop, as its users write it: how the interop tests train their peers."""

from __future__ import annotations

import numpy as np


def fit(module, x: np.ndarray, labels: np.ndarray, epochs: int = 3, lr: float = 0.003):
    """``module`` trained by Adam on float32 inputs ``x`` and integer ``labels`` (cross-entropy
    on its logits, batches of 64 in torch's shuffled order), for ``epochs``; in eval mode."""
    import torch

    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    x, y = torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))
    for _ in range(epochs):
        for batch in torch.randperm(len(x)).split(64):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(module(x[batch]), y[batch]).backward()
            optimizer.step()
    return module.eval()
