"""The handwritten-digit reader of scanned forms' blanks (indexer/readers/digits.py, issue 21):
its networks' accuracy on MNIST digits held out of their training, the MNIST-style
preparation of a glyph, and the segmentation rules that leave a blank unread rather than
read wrong. The scanned directives themselves are read in tests/test_ocr.py."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from indexer.readers.digits import (MIN_PROBABILITY, WEIGHTS, digit_glyphs, mnist_image, probabilities,
                                    read_handwritten_digits)

HELDOUT = Path(__file__).resolve().parent / "fixtures" / "mnist_heldout.npz"


@pytest.fixture(scope="module")
def heldout():
    """1,000 MNIST digits eval/digits_train.py never trained on (fixed seed), put through
    the reader's own preparation as the training digits were."""
    from eval.digits_train import prepare

    with np.load(HELDOUT) as data:
        images, labels = data["images"].astype(np.float32) / 255, data["labels"].astype(int)
    p = probabilities(prepare(images))
    return p, labels


def test_held_out_mnist_digits_are_read_right(heldout):
    p, labels = heldout
    assert len(labels) == 1000 and set(labels) == set(range(10))
    accuracy = (p.argmax(axis=1) == labels).mean()
    assert accuracy >= 0.985, accuracy  # measured 0.99 (eval/digits_train.py prints it)


def test_held_out_digits_read_surely_are_almost_never_wrong(heldout):
    """The rule the reader keeps (probability ≥ MIN_PROBABILITY) on digits it never saw:
    most are taken, and of those taken at most 0.5 % are wrong."""
    p, labels = heldout
    sure = p.max(axis=1) >= MIN_PROBABILITY
    assert sure.mean() >= 0.95, sure.mean()
    wrong = (p.argmax(axis=1) != labels) & sure
    assert wrong.sum() <= 0.005 * sure.sum(), (wrong.sum(), sure.sum())


def test_weights_are_small_and_hold_an_ensemble():
    assert WEIGHTS.stat().st_size <= 2_000_000
    with np.load(WEIGHTS) as data:
        members = {name.split(".")[0] for name in data.files}
    assert len(members) >= 2


def _blank(strokes, size=(170, 70)):
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    for kind, points in strokes:
        if kind == "ellipse":
            draw.ellipse(points, outline=0, width=6)
        else:
            draw.line(points, fill=0, width=6, joint="curve")
    return image


ZERO = ("ellipse", (20, 8, 52, 62))
SEVEN = ("line", [(80, 10), (118, 10), (92, 62)])


def test_pen_strokes_of_a_zero_and_a_seven_are_read():
    assert read_handwritten_digits(_blank([ZERO, SEVEN])) == "07"


def test_a_blank_left_empty_or_looked_for_in_the_wrong_place_gives_nothing():
    assert read_handwritten_digits(_blank([])) is None
    # a stroke cut by the crop's side: the blank is not where it was looked for
    assert read_handwritten_digits(_blank([("ellipse", (-20, 8, 30, 62)), SEVEN])) is None
    # more digits than the blank holds (a day has two at most)
    assert read_handwritten_digits(_blank([ZERO, SEVEN]), max_digits=1) is None


def test_digits_written_touching_are_left_unread():
    """A glyph wider than tall may be two digits in one stroke (qn-01.pdf's day "06"): cut at
    its thinnest column it reads confidently wrong, so it is not read at all."""
    touching = _blank([("ellipse", (20, 8, 52, 62)), ("ellipse", (50, 8, 82, 62))])
    assert len(digit_glyphs(touching)) == 0
    assert read_handwritten_digits(touching) is None


def test_the_printed_label_the_crop_begins_in_is_left_out():
    """The crop begins inside "ngày"/"Số:" so that a digit written close to the label is not
    cut: the label's strokes left of `label_end` are dropped; one that runs well past it
    (a digit written into the label) leaves the blank unread."""
    label = ("line", [(2, 20), (12, 60)])
    assert read_handwritten_digits(_blank([label, ZERO, SEVEN]), label_end=15) == "07"
    assert read_handwritten_digits(_blank([label, ZERO, SEVEN])) is None  # cut by the side, no label known
    joined = ("line", [(2, 20), (40, 60)])  # a stroke of the label running into the "0"
    assert read_handwritten_digits(_blank([joined, ZERO, SEVEN]), label_end=15) is None


def test_a_glyph_is_prepared_as_mnist_digits_are():
    """Fitted into 20×20, centred by mass in 28×28; thin and thick pen strokes of the same
    digit come out nearly alike (stroke width normalised)."""
    thin = np.asarray(_blank([("line", [(40, 5), (80, 5), (55, 65)])], size=(120, 70)).convert("L")) < 128
    thick_image = Image.new("L", (120, 70), 255)
    ImageDraw.Draw(thick_image).line([(40, 5), (80, 5), (55, 65)], fill=0, width=14, joint="curve")
    thick = np.asarray(thick_image) < 128
    a, b = mnist_image(thin), mnist_image(thick)
    assert a.shape == (28, 28) and a.dtype == np.float32 and 0 <= a.min() and a.max() <= 1
    rows, cols = np.nonzero(a > 0.05)
    assert rows.max() - rows.min() <= 21 and cols.max() - cols.min() <= 21
    weights = a[np.nonzero(a)]
    centre = (np.array(np.nonzero(a)) * weights).sum(axis=1) / weights.sum()
    assert np.allclose(centre, 13.5, atol=0.6), centre
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.8
    assert abs(a.sum() - b.sum()) < 0.25 * a.sum()
