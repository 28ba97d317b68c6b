"""The benchmark's page generator: deterministic pages, labels that match the ink, every
effect forceable and visible, and camera crops labelled as the real localize stage cuts them."""

import cv2
import numpy as np
import pytest

import train.pages as pages
from pipeline.normalize import normalize_batch
from train.pages import NOT_DIGIT, PAPERS, glyph_crops, make_page, page_crops

# Everything that moves or spoils the picture switched off: what a test looks at is alone.
CLEAN = dict(
    paper="white", ink="marker", size=(640, 480), rotation=0.0, perspective=0.0, light=0.0,
    shadow="none", blur="none", noise=1.0, jpeg=0, stroke=0, touching=False, distractor=False,
    style="plain", show_through=0.0, descent=0.0,
)


def page(texts=("415 555 0132",), seed=0, **force):
    return make_page(list(texts), np.random.default_rng(seed), "atlas", **(CLEAN | force))


def grey(image):
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)


def paper_around(labels, grow=0.4):
    """Mask of bare paper near the writing: its box grown by `grow` digit heights, ink and a
    few px around it left out."""
    digits = [m for m in labels.marks if m.char.isdigit()]
    gh = np.median([m.box[3] for m in digits])
    x0 = min(m.box[0] for m in labels.marks) - grow * gh
    y0 = min(m.box[1] for m in labels.marks) - grow * gh
    x1 = max(m.box[0] + m.box[2] for m in labels.marks) + grow * gh
    y1 = max(m.box[1] + m.box[3] for m in labels.marks) + grow * gh
    mask = np.zeros(labels.instances.shape, bool)
    mask[max(0, round(y0)) : round(y1), max(0, round(x0)) : round(x1)] = True
    ink = cv2.dilate((labels.instances > 0).astype(np.uint8), np.ones((9, 9), np.uint8))
    return mask & (ink == 0)


def test_same_seed_same_page_and_labels():
    texts = ["+44 7700 900123", "214"]
    a, la = make_page(texts, np.random.default_rng(7), "atlas")
    b, lb = make_page(texts, np.random.default_rng(7), "atlas")
    c, _ = make_page(texts, np.random.default_rng(8), "atlas")
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert la.conditions == lb.conditions and la.numbers == lb.numbers
    assert [m.box for m in la.marks] == [m.box for m in lb.marks]
    assert np.array_equal(la.instances, lb.instances)


@pytest.mark.parametrize("seed", range(8))
def test_labels_match_what_was_drawn(seed):
    texts = ["(415) 555-0132", "+1 212 555 0147"]
    image, labels = make_page(texts, np.random.default_rng(seed), "atlas")
    assert sorted(labels.texts) == sorted(texts)
    assert labels.texts[labels.main] == texts[0]
    assert labels.main_digits == "4155550132"
    assert labels.numbers == tuple("".join(c for c in t if c.isdigit()) for t in labels.texts)
    digits = [m for m in labels.marks if m.char.isdigit()]
    assert "".join(m.char for m in digits) == "".join(labels.numbers)  # reading order
    for k, number in enumerate(labels.numbers):
        assert "".join(m.char for m in digits if m.number == k) == number
    # Every mark is in the photo, and its pixels are ink: darker than the paper around it.
    g = grey(image)
    paper = np.median(g[paper_around(labels)])
    for i, m in enumerate(labels.marks):
        x, y, w, h = m.box
        assert w > 0 and h > 0 and x >= 0 and y >= 0
        assert x + w <= image.shape[1] and y + h <= image.shape[0]
        ink = labels.instances == i + 1
        assert ink.any() and np.median(g[ink]) < 0.85 * paper, (m.char, labels.conditions)


def test_upright_marks_run_left_to_right_and_numbers_top_to_bottom():
    _, labels = page(["555 0100", "7700 900 123"], seed=3)
    for k in range(2):
        xs = [m.box[0] for m in labels.marks if m.number == k]
        assert xs == sorted(xs)
    first = max(m.box[1] + m.box[3] for m in labels.marks if m.number == 0)
    second = min(m.box[1] for m in labels.marks if m.number == 1)
    assert first < second


def test_the_main_number_is_first_or_largest():
    for seed in range(12):
        _, labels = make_page(["4155550132", "3.14", "7700900123"], np.random.default_rng(seed),
                              "atlas", layout="lines")
        heights = {k: np.median([m.box[3] for m in labels.marks if m.number == k])
                   for k in range(3)}
        assert labels.main == 0 or all(heights[labels.main] > h for k, h in heights.items()
                                       if k != labels.main)


def test_atlas_split_needs_no_mnist_files(monkeypatch):
    def missing(*_a, **_k):
        raise FileNotFoundError("no MNIST here")

    monkeypatch.setattr(pages, "load_test", missing)
    monkeypatch.setattr(pages, "load_mnist", missing)
    pages.glyph_bank.cache_clear()
    try:
        image, labels = make_page(["415 555 0132"], np.random.default_rng(0), "atlas")
        assert image.shape[2] == 3 and labels.main_digits == "4155550132"
        with pytest.raises(FileNotFoundError):
            make_page(["415 555 0132"], np.random.default_rng(0), "test")
    finally:
        pages.glyph_bank.cache_clear()
    with pytest.raises(ValueError):
        make_page(["415"], np.random.default_rng(0), "mnist")


def test_bad_arguments_are_refused():
    with pytest.raises(TypeError):
        page(sepia=True)
    with pytest.raises(ValueError):
        page(paper="papyrus")
    with pytest.raises(ValueError):
        page(["415 abc"])
    with pytest.raises(ValueError):
        page(layout="grid")  # needs four numbers


def edges(image, mask):
    g = grey(image)
    gx = np.abs(cv2.Sobel(g, cv2.CV_32F, 1, 0))[mask].mean()
    gy = np.abs(cv2.Sobel(g, cv2.CV_32F, 0, 1))[mask].mean()
    return gx, gy


def test_each_paper_kind_shows():
    shots = {kind: page(paper=kind, seed=2) for kind in PAPERS}
    _, labels = shots["white"]
    mask = paper_around(labels)  # same layout and camera: only the paper changes
    colour = {k: im[mask].mean(0) for k, (im, _) in shots.items()}  # B, G, R
    white = colour["white"]
    assert abs(white[0] - white[2]) < 0.1 * white[1]
    b, g, r = colour["sticky"]
    assert b < 0.75 * r and b < 0.75 * g  # yellow
    assert colour["recycled"].mean() < 0.92 * white.mean()
    assert grey(shots["recycled"][0])[mask].std() > 1.5 * grey(shots["white"][0])[mask].std()
    wx, wy = edges(shots["white"][0], mask)
    sx, sy = edges(shots["squared"][0], mask)
    rx, ry = edges(shots["ruled"][0], mask)
    assert sx > 1.5 * wx and sy > 1.5 * wy  # grid lines both ways
    assert ry > 1.5 * wy and ry / rx > 1.3 * sy / sx  # rules run across only


def test_rotation_turns_the_writing():
    for angle in (30.0, -50.0, 90.0):
        _, labels = page(["4155550132"], rotation=angle)
        c = np.array([(m.box[0] + m.box[2] / 2, m.box[1] + m.box[3] / 2) for m in labels.marks])
        d = c[-1] - c[0]
        seen = np.degrees(np.arctan2(-d[1], d[0]))  # counter-clockwise as seen, y down
        assert abs(seen - angle) < 5, (angle, seen)


def test_shadow_darkens_part_of_the_page_hard_or_soft():
    none, _ = page(shadow="none", seed=4)
    ratios = {}
    for kind in ("hard", "soft"):
        im, _ = page(shadow=kind, seed=4)
        ratio = cv2.GaussianBlur(grey(im), (0, 0), 2) / cv2.GaussianBlur(grey(none), (0, 0), 2)
        assert (ratio < 0.8).mean() > 0.05
        ratios[kind] = np.abs(cv2.Sobel(ratio, cv2.CV_32F, 1, 0)) + np.abs(
            cv2.Sobel(ratio, cv2.CV_32F, 0, 1))
    assert np.percentile(ratios["hard"], 99.9) > 2 * np.percentile(ratios["soft"], 99.9)


def test_blur_noise_and_jpeg_show():
    sharp, labels = page(seed=5)
    mask = np.zeros(labels.instances.shape, bool)
    x0 = min(m.box[0] for m in labels.marks)
    x1 = max(m.box[0] + m.box[2] for m in labels.marks)
    y0 = min(m.box[1] for m in labels.marks)
    y1 = max(m.box[1] + m.box[3] for m in labels.marks)
    mask[y0:y1, x0:x1] = True

    def lap(im):
        return cv2.Laplacian(grey(im), cv2.CV_32F)[mask].var()

    for kind in ("defocus", "motion"):
        assert lap(page(seed=5, blur=kind)[0]) < 0.6 * lap(sharp)
    paper = paper_around(labels)
    assert grey(page(seed=5, noise=10.0)[0])[paper].std() > 2 * grey(sharp)[paper].std()

    def blockiness(im):
        d = np.abs(np.diff(grey(im), axis=1))
        return d[:, 7::8].mean() / d.mean()

    assert blockiness(page(seed=5, jpeg=30, noise=4.0)[0]) > 1.1 * blockiness(
        page(seed=5, jpeg=0, noise=4.0)[0])


def test_uneven_light_shows():
    even, labels = page(seed=6, light=0.0)
    uneven, _ = page(seed=6, light=0.45)
    mask = paper_around(labels, grow=1.5)
    assert grey(uneven)[mask].std() > 2 * grey(even)[mask].std()


def test_ink_kinds_and_stroke_width_show():
    looks = {}
    for ink in ("marker", "biro", "pencil"):
        im, labels = page(ink=ink, seed=1)
        strokes = cv2.erode((labels.instances > 0).astype(np.uint8), np.ones((3, 3), np.uint8))
        looks[ink] = im[strokes > 0].astype(np.float32).mean(0)  # B, G, R
        paper = im[paper_around(labels)].astype(np.float32).mean()
    assert looks["biro"][0] > looks["biro"][2] + 25  # blue
    assert abs(looks["marker"][0] - looks["marker"][2]) < 15
    assert looks["pencil"].mean() > looks["marker"].mean() + 40  # grey, lower contrast
    assert looks["pencil"].mean() < paper - 30
    ink_px = {k: (page(stroke=k, seed=1)[1].instances > 0).sum() for k in (-1, 2)}
    assert ink_px[2] > 1.3 * ink_px[-1]


def test_touching_digits_touch_in_the_photo():
    _, labels = page(touching=False, seed=3)
    assert labels.touching == ()
    for seed in range(4):
        _, labels = page(touching=True, seed=seed)
        assert labels.touching, seed
        for a, b in labels.touching:
            grown = cv2.dilate((labels.instances == a + 1).astype(np.uint8), np.ones((3, 3)))
            assert (grown.astype(bool) & (labels.instances == b + 1)).any()
            assert labels.marks[a].char.isdigit() and labels.marks[b].char.isdigit()


def test_distractor_word_is_written_near_the_number():
    _, labels = page(distractor=False)
    assert all(m.number >= 0 for m in labels.marks)
    _, labels = make_page(["415 555 0132"], np.random.default_rng(0), "atlas",
                          word="Tom", **(CLEAN | {"distractor": True}))
    [word] = [m for m in labels.marks if m.char == "word"]
    assert word.number == -1 and word.box[2] > 0
    digits = [m for m in labels.marks if m.char.isdigit()]
    gh = np.median([m.box[3] for m in digits])
    top = min(m.box[1] for m in digits)
    bottom = max(m.box[1] + m.box[3] for m in digits)
    assert word.box[1] < bottom + 3 * gh and word.box[1] + word.box[3] > top - 3 * gh


def test_size_and_grid_layout():
    image, _ = page(size=(1280, 720))
    assert image.shape == (720, 1280, 3)
    texts = ["415 555 0132", "212 555 0147", "7700 900123", "555 0100"]
    _, labels = page(texts, layout="grid")
    assert labels.main == 0 and labels.texts == tuple(texts)
    box = {k: [m.box for m in labels.marks if m.number == k] for k in range(4)}
    cy = {k: np.median([y + h / 2 for _, y, _, h in b]) for k, b in box.items()}
    left = {k: min(x for x, *_ in b) for k, b in box.items()}
    assert abs(cy[0] - cy[1]) < 10 and abs(cy[2] - cy[3]) < 10 and cy[2] > cy[0] + 20
    assert left[1] > max(x + w for x, _, w, _ in box[0])
    assert left[3] > max(x + w for x, _, w, _ in box[2])


def test_show_through_is_faint_mirrored_writing_off_the_labels():
    front, labels = page(seed=7, show_through=0.0)
    shown, shown_labels = page(seed=7, show_through=0.3)
    assert shown_labels.conditions.show_through == 0.3
    assert np.array_equal(labels.instances, shown_labels.instances)  # not something to read
    paper = grey(front) > 0.8 * np.percentile(grey(front), 99)  # bare, lit paper
    paper &= labels.instances == 0
    darker = 1 - grey(shown) / np.maximum(grey(front), 1)
    assert (darker[paper] > 0.04).mean() > 0.01  # the back's writing shows ...
    ink = 1 - np.median(grey(front)[labels.instances > 0]) / np.median(grey(front)[paper])
    assert np.percentile(darker[paper], 99.9) < 0.6 * ink  # ... fainter than the front's


def test_a_page_drawn_without_show_through_or_descenders_is_as_before():
    """Both are drawn from generators nothing later draws from: pages without them keep
    every other pixel, so figures before and after they came in compare page for page."""
    for seed in range(12):
        rng = np.random.default_rng(seed)
        image, labels = make_page(["415 555 0132"], rng, "atlas")
        c = labels.conditions
        if c.show_through or c.descent:
            continue
        forced, _ = make_page(["415 555 0132"], np.random.default_rng(seed), "atlas",
                              show_through=0.0, descent=0.0)
        assert np.array_equal(image, forced), seed


def test_descending_sevens_and_nines_hang_below_the_line():
    def bottoms(descent):
        _, labels = page(["979 5237 9"], seed=8, descent=descent)
        digits = [m for m in labels.marks if m.char.isdigit()]
        gh = np.median([m.box[3] for m in digits if m.char not in "79"])
        low = {m.char: [] for m in digits}
        for m in digits:
            low[m.char].append((m.box[1] + m.box[3]) / gh)
        tops = [m.box[1] / gh for m in digits]
        return {c: np.mean(v) for c, v in low.items()}, np.ptp(tops)

    level, _ = bottoms(0.0)
    hanging, spread = bottoms(0.45)
    assert max(level.values()) - min(level.values()) < 0.2
    for c in "79":
        assert hanging[c] - hanging["5"] > 0.25, (c, hanging)
    assert spread < 0.3  # tops stay on a line: only the tails go down


def test_clean_page_crops_are_its_digits_in_order():
    image, labels = page(["415 555 0132"], seed=0)
    found = page_crops(image, labels)
    # Blotches of a textured desk may be candidates too; they are labelled not-a-digit.
    assert "".join(str(label) for _, label in found if label != NOT_DIGIT) == "4155550132"
    assert all(g.line != found[0][0].line for g, label in found if label == NOT_DIGIT)


def test_camera_crop_labels_agree_with_the_marks_and_the_model(classifier):
    crops, classes = glyph_crops(80, np.random.default_rng(1), "atlas")
    assert len(crops) == 80 and classes.shape == (80,)
    assert all(c.dtype == np.uint8 and c.ndim == 2 and c.any() for c in crops)
    assert set(classes.tolist()) <= set(range(11))
    digits = classes < NOT_DIGIT
    picked = [c for c, d in zip(crops, digits, strict=True) if d]
    probs = classifier.probabilities(normalize_batch(picked))
    agree = (probs[:, :NOT_DIGIT].argmax(1) == classes[digits]).mean()
    assert agree > 0.85, agree
    # Separators, words and merged pairs get "not a digit"; every such crop is one of them.
    image, labels = make_page(["+1 415 555 0132"], np.random.default_rng(2), "atlas",
                              word="Max", **(CLEAN | {"distractor": True, "touching": True}))
    found = page_crops(image, labels)
    others = [g for g, label in found if label == NOT_DIGIT]
    assert others
    for g in others:
        x, y, w, h = g.box
        ids = set(np.unique(labels.instances[y : y + h, x : x + w]).tolist()) - {0}
        chars = [labels.marks[i - 1].char for i in ids]
        assert not any(c.isdigit() for c in chars) or sum(c.isdigit() for c in chars) >= 2


def test_a_touching_pair_gives_its_halves_labelled_as_its_digits():
    from train.pages import _inside

    cut = 0
    for seed in range(6):
        image, labels = make_page(["415 555 0132"], np.random.default_rng(seed), "atlas",
                                  **(CLEAN | {"touching": True}))
        crops = page_crops(image, labels)
        for i, j in labels.touching:
            box_a, box_b = labels.marks[i].box, labels.marks[j].box
            pair = [g for g, label in crops if label == NOT_DIGIT
                    and _inside(box_a, g.box) and _inside(box_b, g.box)]
            if not pair:
                continue  # localize found them apart, or the label rule left them out
            halves = [(g, label) for g, label in crops
                      if g.box == pair[0].box and label != NOT_DIGIT]
            assert [label for _, label in halves] == [int(labels.marks[i].char),
                                                      int(labels.marks[j].char)]
            widths = sum(g.crop.shape[1] for g, _ in halves)
            assert widths == pair[0].crop.shape[1]
            cut += 1
    assert cut >= 2, "too few touching pairs were cut as one glyph to check"
