"""The arguments every detection benchmark takes: where fer-detect, YuNet and the faces are."""
import argparse
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def detection_parser(doc):
    shared = os.environ.get("FER_SHARED") or os.path.join(HERE, "..", "..", "..", "shared")
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fer-detect", default=os.path.join(HERE, "..", "..", "build", "tools", "fer-detect"))
    ap.add_argument("--yunet", default=os.path.join(shared, "models", "yunet.onnx"))
    ap.add_argument("--faces5", default=os.path.join(shared, "data", "faces5"))
    return ap
