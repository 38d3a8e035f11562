"""What a feremotion model file records, read with torch.load (the benchmarks' reference reader)."""


def trained_detector(model):
    """The detector of the crop the model was trained on: none, haar or yunet."""
    import torch
    return torch.load(model, map_location="cpu").get("training", {}).get("crop", {}).get("detector", "none")


def fer_eval_crop_args(model, yunet):
    """fer-eval's flags to cut faces as the model was trained: YuNet's file where it is needed."""
    return ["--detector-model", yunet] if trained_detector(model) == "yunet" else []
