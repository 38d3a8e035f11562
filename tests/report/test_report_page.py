"""The report page in a real browser (headless Chromium): it loads with no message in the console,
every image it references exists and decodes in the browser, and a screenshot is left in the build
folder for a person to look at. A broken copy of the page (a missing image, a script error) is caught
by the same checks, so they can fail."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

import report_data as rd
from checks import check, exit_code

REPORT, SCREENSHOT = sys.argv[1], sys.argv[2]
SKIP = 77


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def browse(browser, url, *extra):
    """Console lines Chromium logged while it loaded url (the page's own messages and errors)."""
    p = subprocess.run([browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--allow-file-access-from-files", "--enable-logging=stderr", "--v=0",
                        "--virtual-time-budget=5000", *extra, url],
                       capture_output=True, text=True, timeout=120)
    return p, re.findall(r':CONSOLE[:(]\d+\)?\] "(.*)", source: (\S+)', p.stderr)


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.links = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src"))
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])


def page_check(browser, index, tmp):
    """(images in the page, images the browser could not show, console lines of the page)."""
    wrapper = os.path.join(tmp, "wrapper-%d.html" % len(os.listdir(tmp)))
    with open(wrapper, "w") as f:
        f.write(f"""<html><body><iframe id="r" src="file://{index}" width="1000" height="900"></iframe><script>
document.getElementById("r").addEventListener("load", () => {{
  const imgs = [...document.getElementById("r").contentDocument.images];
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute("src"));
  console.log("REPORT-CHECK " + JSON.stringify({{images: imgs.length, broken: broken}}));
}});</script></body></html>""")
    _, console = browse(browser, "file://" + wrapper, "--dump-dom")
    result = [json.loads(m[len("REPORT-CHECK "):]) for m, _ in console if m.startswith("REPORT-CHECK ")]
    others = [(m, src) for m, src in console if not m.startswith("REPORT-CHECK ")]
    if not result:
        return None, None, others
    return result[0]["images"], result[0]["broken"], others


def main():
    browser = chromium()
    if not browser:
        print("SKIP: no Chromium (scripts/test.sh installs Debian's chromium)")
        return SKIP
    tmp = tempfile.mkdtemp(prefix="fer-report-page-")
    probe = os.path.join(tmp, "probe.html")
    with open(probe, "w") as f:
        f.write("<html><body><script>console.log('probe')</script></body></html>")
    try:
        _, console = browse(browser, "file://" + probe)
    except (subprocess.TimeoutExpired, OSError) as e:
        console = []
        print(e)
    if not any(m == "probe" for m, _ in console):
        print(f"SKIP: {browser} cannot run headless here (it logged no console message for a probe page)")
        return SKIP

    results, out = os.path.join(tmp, "run.jsonl"), os.path.join(tmp, "report")
    rd.write(results, rd.lines())
    args = [REPORT, results, "--out", out]
    try:
        import cv2
        import numpy as np
        video = os.path.join(tmp, "run.avi")
        w = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*"MJPG"), rd.FPS, (640, 480))
        for line in rd.lines():
            img = np.full((480, 640, 3), 200, np.uint8)
            for face in json.loads(line)["faces"]:
                cv2.circle(img, (face["x"] + 40, face["y"] + 40), 36, (80, 160, 230), -1)
            w.write(img)
        w.release()
        args += ["--video", video]
    except ImportError:
        print("python3-opencv missing: the page is checked without thumbnails")
    subprocess.run(args, check=True)
    index = os.path.join(out, "index.html")

    links = Links()
    with open(index) as f:
        links.feed(f.read())
    missing = [s for s in links.images + links.links if not os.path.exists(os.path.join(out, s))]
    check(len(links.images) >= 3 and not missing,
          f"every image and link of the page exists ({len(links.images)} images, {len(links.links)} links; missing {missing})")
    images, broken, console = page_check(browser, index, tmp)
    check(images == len(links.images) and broken == [], f"Chromium shows all {images} images (broken: {broken})")
    check(console == [], f"no console message while the page loads ({console})")

    os.makedirs(os.path.dirname(os.path.abspath(SCREENSHOT)), exist_ok=True)
    if os.path.exists(SCREENSHOT):
        os.remove(SCREENSHOT)
    browse(browser, "file://" + index, f"--screenshot={SCREENSHOT}", "--window-size=1100,2400")
    check(os.path.exists(SCREENSHOT) and os.path.getsize(SCREENSHOT) > 20000, f"screenshot written: {SCREENSHOT}")

    # The checks catch a broken page: an image gone and a script error.
    broken_dir = os.path.join(tmp, "broken")
    shutil.copytree(out, broken_dir)
    os.remove(os.path.join(broken_dir, "img", "mix.png"))
    with open(os.path.join(broken_dir, "index.html"), "a") as f:
        f.write("<script>no_such_function()</script>\n")
    images, broken, console = page_check(browser, os.path.join(broken_dir, "index.html"), tmp)
    check(broken == ["img/mix.png"], f"control: the missing image is caught ({broken})")
    check(any("no_such_function" in m for m, _ in console), f"control: the script error is caught ({console})")
    return exit_code()


if __name__ == "__main__":
    sys.exit(main())
