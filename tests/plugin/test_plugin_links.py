"""The plugin loads the inference library, not the trainer: neither the plugin nor libfercore
needs libfertrain or libgloo (their ELF NEEDED entries), and the plugin uses no fer::train symbol,
while fer-train does need libfertrain (so the check looks at the right thing).
(ldd lists libgloo anyway: Debian's libtorch_cpu needs it itself.)
argv: plugin .so, libfercore .so, fer-train binary."""
import subprocess
import sys


def needed(path):
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, check=True).stdout
    return [line.split("[", 1)[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]


def main():
    plugin, core, fer_train = sys.argv[1:4]
    for path in (plugin, core):
        libs = needed(path)
        bad = [lib for lib in libs if "fertrain" in lib or "gloo" in lib]
        assert not bad, f"{path} needs {bad}: the plugin must load only the inference library"
        print(f"{path.rsplit('/', 1)[-1]} needs: {', '.join(libs)}")
    symbols = subprocess.run(["nm", "-D", "-C", "--undefined-only", plugin], capture_output=True, text=True,
                             check=True).stdout
    train = [s for s in symbols.splitlines() if "fer::train" in s]
    assert not train, f"the plugin uses training symbols: {train[:5]}"
    assert any("fertrain" in lib for lib in needed(fer_train)), "fer-train does not link libfertrain"
    print("fer-train needs libfertrain; the plugin neither it nor gloo")


if __name__ == "__main__":
    main()
