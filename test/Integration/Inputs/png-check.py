"""Checks amae's pictures by their pixels (Pillow).

Usage:
  png-check.py curves FILE PANELS
  png-check.py reconstruction FILE FRAMES BINS
curves: the size (960 x 280 per panel); in each panel a title (dark pixels
in its top band), tick labels left of the plot and under it, and a line in
colour inside the plot.
reconstruction: the size (70 + 3 FRAMES + 20 wide; a 34 px header, three
panels of a 26 px title and 3 BINS rows, a 46 px time axis); text in the
header and each title band, colour-map pixels in each panel, grey masked
patches in the second, tick labels left of each panel and under the last.
Prints one line per check and exits 1 on the first that fails.
"""
import sys

from PIL import Image


def fail(message):
    print("FAIL", message)
    sys.exit(1)


def dark(img, box):
    """Pixels of text (near black) in box = (x0, y0, x1, y1)."""
    region = img.crop(box)
    return sum(1 for p in region.getdata() if max(p) < 90)


def coloured(img, box):
    """Pixels whose channels differ (neither white, black nor grey)."""
    region = img.crop(box)
    return sum(1 for p in region.getdata() if max(p) - min(p) > 60)


kind, path = sys.argv[1], sys.argv[2]
img = Image.open(path).convert("RGB")
w, h = img.size
if kind == "curves":
    panels = int(sys.argv[3])
    if (w, h) != (960, 280 * panels):
        fail("%s is %dx%d, expected 960x%d" % (path, w, h, 280 * panels))
    for k in range(panels):
        top = 280 * k
        if dark(img, (300, top + 6, 660, top + 28)) < 20:
            fail("panel %d has no title" % k)
        if dark(img, (20, top + 34, 80, top + 232)) < 20:
            fail("panel %d has no y tick labels" % k)
        if dark(img, (84, top + 234, 936, top + 252)) < 20:
            fail("panel %d has no x tick labels" % k)
        if coloured(img, (85, top + 35, 935, top + 231)) < 20:
            fail("panel %d has no line" % k)
    print("ok   %s: %d labelled panels" % (path.split("/")[-1], panels))
elif kind == "reconstruction":
    frames, bins = int(sys.argv[3]), int(sys.argv[4])
    if (w, h) != (70 + 3 * frames + 20, 34 + 3 * (26 + 3 * bins) + 46):
        fail("%s is %dx%d" % (path, w, h))
    if dark(img, (70, 4, w, 30)) < 20:
        fail("no header")
    for k in range(3):
        top = 34 + k * (26 + 3 * bins)
        if dark(img, (70, top + 2, 400, top + 24)) < 20:
            fail("panel %d has no title" % k)
        image = (70, top + 26, 70 + 3 * frames, top + 26 + 3 * bins)
        if coloured(img, image) < frames * bins:
            fail("panel %d has no spectrogram" % k)
        if dark(img, (20, top + 26, 66, top + 26 + 3 * bins)) < 10:
            fail("panel %d has no mel-bin axis" % k)
        if k == 1:
            grey = sum(1 for p in img.crop(image).getdata() if p == (96, 96, 96))
            if grey < 9 * 16 * 16:
                fail("the masked panel has no grey patches")
    if dark(img, (70, h - 46, w, h)) < 40:
        fail("no time axis")
    print("ok   %s: header, 3 titled panels, time and mel-bin axes" % path.split("/")[-1])
else:
    fail("unknown kind " + kind)
