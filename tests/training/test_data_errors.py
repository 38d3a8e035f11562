"""fer-train on flawed data: unreadable (truncated, not an image, zero bytes, a dangling link) images are
listed, skipped and counted; 1x1 and 10000x10000 images are used (resized); an empty or missing class
is an error that names it; the data folder is left untouched."""
import json
import os
import shutil
import sys
import tempfile

from train_common import faces5_dir, fer_train


def snapshot(folder):
    return sorted((os.path.relpath(os.path.join(r, f), folder), os.lstat(os.path.join(r, f)).st_size)
                  for r, _, files in os.walk(folder) for f in files)


def main():
    exe = sys.argv[1]
    src = faces5_dir()
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        for c in ("Happy", "Sad"):
            os.makedirs(os.path.join(data, c))
            for name in sorted(os.listdir(os.path.join(src, c)))[:5]:
                shutil.copy(os.path.join(src, c, name), os.path.join(data, c, name))
        with open(os.path.join(data, "Sad", "truncated.jpg"), "wb") as f:
            f.write(open(os.path.join(src, "Sad", sorted(os.listdir(os.path.join(src, "Sad")))[0]), "rb").read()[:40])
        with open(os.path.join(data, "Happy", "text.png"), "w") as f:
            f.write("this is not a PNG")
        open(os.path.join(data, "Happy", "empty.jpg"), "wb").close()
        os.symlink(os.path.join(tmp, "gone.jpg"), os.path.join(data, "Sad", "dangling.jpg"))
        from PIL import Image
        Image.new("RGB", (1, 1), (200, 150, 100)).save(os.path.join(data, "Happy", "one_pixel.png"))
        Image.new("L", (10000, 10000), 90).save(os.path.join(data, "Sad", "huge.png"))
        before = snapshot(data)
        out = os.path.join(tmp, "m.pth")
        fast = ["--input-size", 32, "--epochs", 1, "--batch-size", 4, "--val-split", 0.3]
        p = fer_train(exe, data, out, *fast)
        unreadable = ["Happy/empty.jpg", "Happy/text.png", "Sad/dangling.jpg", "Sad/truncated.jpg"]
        for name in unreadable:
            assert f"skipped unreadable image: {data}/{name}" in p.stderr, p.stderr
        assert "4 unreadable skipped" in p.stderr, p.stderr
        with open(os.path.join(tmp, "m.split.json")) as f:
            split = json.load(f)
        assert sorted(split["info"]["unreadable"]) == unreadable
        used = split["train"] + split["val"]
        assert len(used) == 12, len(used)  # the ten crops, the 1x1 and the 10000x10000 image
        for name in ("Happy/one_pixel.png", "Sad/huge.png"):
            assert any(name in str(entry) for entry in used), (name, used)
        assert snapshot(data) == before, "the data folder was modified"

        os.makedirs(os.path.join(data, "Fear"))
        p = fer_train(exe, data, out, *fast, expect=1)
        assert "class 'Fear' is empty" in p.stderr, p.stderr
        os.rmdir(os.path.join(data, "Fear"))
        p = fer_train(exe, data, out, "--classes", "Happy,Sad,Anger", *fast, expect=1)
        assert "class 'Anger' has no folder" in p.stderr, p.stderr
        p = fer_train(exe, os.path.join(tmp, "missing"), out, *fast, expect=1)
        assert "does not exist" in p.stderr, p.stderr
        print("unreadable images skipped and counted; empty and missing classes named")


if __name__ == "__main__":
    main()
