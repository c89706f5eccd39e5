"""Handwritten digits in the blanks of scanned forms ("Số: 07 /CT-UBND", "ngày 20 tháng 3"):
three small convolutional networks trained on MNIST digits (eval/digits_train.py; weights
in digits_weights.npz beside this file, 1.3 MB, run here with numpy alone).

- `digit_glyphs` cuts a blank's crop into glyphs (connected strokes, left to right); digits
  written touching each other or the printed label are left unread.
- `mnist_image` prepares a glyph as MNIST's digits were: stroke width normalised, fitted
  into 20×20 and placed by its centre of mass in a 28×28 box. The training script puts
  MNIST's own digits through the same function, so the network sees the same kind of input.
- `read_handwritten_digits` takes a reading only when every glyph's most likely digit has
  probability ≥ `MIN_PROBABILITY` (tuned on the 9 scanned directives: eval/results/ocr.md):
  a wrong day or number is worse than none.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

WEIGHTS = Path(__file__).with_name("digits_weights.npz")
MIN_PROBABILITY = 0.95    # every digit of a reading, to be taken (tuned on the 9 scanned directives)
BOX = 20                  # MNIST: the glyph fitted into 20×20 ...
SIDE = 28                 # ... centred by mass in 28×28
WORK = 4 * BOX            # the glyph is normalised at 4× that size, then averaged down
STROKE = 0.14 * WORK      # stroke width at that size: MNIST's ~2.8 px of 20
INK_LEVEL = 128           # a pixel darker than this is ink
MIN_STROKE_PIXELS = 30    # smaller dark components are specks, or the dots of a printed blank
MIN_GLYPH_HEIGHT = 0.175  # of the crop's height: shorter components are dots, commas, dashes
TOUCHING_RATIO = 1.0      # a glyph wider than tall may be two digits written touching: nothing is read
LABEL_OVERRUN = 0.15      # of the crop's height: how far a stroke may cross the printed label's end


def stroke_width(glyph: np.ndarray) -> float:
    """Mean width of a glyph's strokes, in pixels: ink area over the length of its
    centre line, the length estimated as the ink pixels lying on a local maximum of the
    distance to the background (a ridge of the distance transform)."""
    from scipy import ndimage

    if not glyph.any():
        return 0.0
    distance = ndimage.distance_transform_edt(np.pad(glyph, 1))[1:-1, 1:-1]
    ridge = glyph & (distance >= ndimage.maximum_filter(distance, size=3) - 0.5)
    return float(glyph.sum()) / max(1, int(ridge.sum()))


def mnist_image(glyph: np.ndarray) -> np.ndarray:
    """A glyph (bool array, True = ink) as an MNIST digit: a 28×28 float32 array in [0, 1]."""
    from scipy import ndimage

    out = np.zeros((SIDE, SIDE), dtype=np.float32)
    if not glyph.any():
        return out
    # at 4× the final size, so the width can be corrected in steps of a quarter pixel
    work = np.pad(_fitted(glyph.astype(np.uint8) * 255, WORK, "bilinear") > 127, WORK // 4)
    steps = int(round((STROKE - stroke_width(work)) / 2))
    if steps > 0:
        work = ndimage.binary_dilation(work, iterations=steps)
    elif steps < 0:  # thinned no further than keeps every stroke (erosion must not break the glyph)
        for _ in range(-steps):
            thinner = ndimage.binary_erosion(work)
            if ndimage.label(thinner)[1] != ndimage.label(work)[1] or thinner.sum() < 0.3 * work.sum():
                break
            work = thinner
    small = _fitted(work.astype(np.float32) * 255, BOX, "box").astype(np.float32) / 255
    # centre of mass to the box's centre, as MNIST's digits were placed
    top, left = (SIDE - small.shape[0]) // 2, (SIDE - small.shape[1]) // 2
    out[top:top + small.shape[0], left:left + small.shape[1]] = small
    cy, cx = ndimage.center_of_mass(out)
    shifted = ndimage.shift(out, (SIDE / 2 - 0.5 - cy, SIDE / 2 - 0.5 - cx), order=1, mode="constant")
    return np.clip(shifted, 0, 1).astype(np.float32)


def _fitted(image: np.ndarray, side: int, resample: str) -> np.ndarray:
    """`image` cut to the bounding box of its non-zero pixels and resized (PIL's `resample`
    filter), its proportions kept, so that its longer side is `side` pixels."""
    from PIL import Image

    rows, cols = np.nonzero(image)
    image = image[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    scale = side / max(image.shape)
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    filters = {"bilinear": Image.BILINEAR, "box": Image.BOX}
    return np.asarray(Image.fromarray(image).resize(size, filters[resample]))


def digit_glyphs(crop, label_end: int = 0) -> list[np.ndarray]:
    """The ink of a blank (a PIL image) as one bool array per written glyph, left to right:
    dark connected components big enough to be strokes, those overlapping horizontally
    joined (a "7"'s crossbar, a "5"'s flag).

    The crop may begin inside the printed label ("ngày", "Số:") so that a digit written
    close to it is not cut: `label_end` (pixels from the crop's left) is where the label is
    reckoned to end, and the strokes centred left of it are the label's. Empty — nothing
    read — if a stroke is cut by the crop's side (the blank is not where it was looked for),
    or if a stroke reaches well across the label's end both ways (a digit written into the
    label: which part is which cannot be told), or if a glyph is wider than tall: two digits
    written touching (qn-01.pdf's day "06"), which a cut at the thinnest column reads
    confidently wrong ("66", "68", "95": eval/results/ocr.md)."""
    from scipy import ndimage

    ink = np.asarray(crop.convert("L")) < INK_LEVEL
    labels, _ = ndimage.label(ink)
    boxes = []
    for number, box in enumerate(ndimage.find_objects(labels), start=1):
        if box is None or (labels[box] == number).sum() < MIN_STROKE_PIXELS \
                or box[0].stop - box[0].start < MIN_GLYPH_HEIGHT * ink.shape[0]:
            continue
        if label_end:
            overrun = LABEL_OVERRUN * ink.shape[0]
            if box[1].start < label_end - overrun and box[1].stop > label_end + overrun:
                return []  # one stroke both sides of the label's end: a digit joined to the label
            if (box[1].start + box[1].stop) / 2 < label_end:
                continue  # the label's
        if box[1].start == 0 or box[1].stop == ink.shape[1]:
            return []
        boxes.append([box[1].start, box[1].stop, [number]])
    boxes.sort()
    merged: list[list] = []
    for box in boxes:
        if merged and box[0] < merged[-1][1] - 3:
            merged[-1][1] = max(merged[-1][1], box[1])
            merged[-1][2] += box[2]
        else:
            merged.append(box)
    glyphs = []
    for x0, x1, numbers in merged:
        glyph = np.isin(labels[:, x0:x1], numbers)
        glyph = glyph[np.any(glyph, axis=1)]
        if glyph.shape[1] > TOUCHING_RATIO * glyph.shape[0]:
            return []
        glyphs.append(glyph)
    return glyphs


@lru_cache(maxsize=1)
def _weights() -> dict[str, np.ndarray]:
    with np.load(WEIGHTS) as data:
        return {name: data[name].astype(np.float32) for name in data.files}


def _conv(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """2-D convolution, 'same' padding: x (n, c, h, w), weight (out, c, k, k)."""
    k = weight.shape[-1]
    padded = np.pad(x, ((0, 0), (0, 0), (k // 2, k // 2), (k // 2, k // 2)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (k, k), axis=(2, 3))  # n c h w k k
    return np.einsum("nchwij,ocij->nohw", windows, weight, optimize=True) + bias[None, :, None, None]


def _pool(x: np.ndarray) -> np.ndarray:
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def probabilities(images: np.ndarray) -> np.ndarray:
    """(n, 10) digit probabilities of (n, 28, 28) MNIST-style images: the mean of the
    networks of eval/digits_train.py (each conv 5×5 → ReLU → max-pool, twice; a hidden
    layer; softmax), trained from different seeds."""
    weights = _weights()
    members = sorted({name.split(".")[0] for name in weights})
    x = images.reshape(-1, 1, SIDE, SIDE).astype(np.float32)
    return np.mean([_network({name.split(".", 1)[1]: value for name, value in weights.items()
                              if name.startswith(member + ".")}, x) for member in members], axis=0)


def _network(w: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    x = _pool(np.maximum(_conv(x, w["conv1.weight"], w["conv1.bias"]), 0))
    x = _pool(np.maximum(_conv(x, w["conv2.weight"], w["conv2.bias"]), 0))
    x = np.maximum(x.reshape(len(x), -1) @ w["fc1.weight"].T + w["fc1.bias"], 0)
    logits = x @ w["fc2.weight"].T + w["fc2.bias"]
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def read_handwritten_digits(crop, max_digits: int = 4, label_end: int = 0,
                            min_probability: float = MIN_PROBABILITY) -> str | None:
    """The digits handwritten in a blank's crop, or None: between 1 and `max_digits` glyphs
    (`digit_glyphs`), each read with probability ≥ `min_probability`."""
    glyphs = digit_glyphs(crop, label_end)
    if not 1 <= len(glyphs) <= max_digits:
        return None
    p = probabilities(np.stack([mnist_image(g) for g in glyphs]))
    if p.max(axis=1).min() < min_probability:
        return None
    return "".join(str(int(d)) for d in p.argmax(axis=1))
