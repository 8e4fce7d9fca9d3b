"""Exported network packages and inference optimisations, measured on digits.

For the fixed baseline CNN and the CNN space's default (trained ``--epochs``
epochs on 75 % of ``load_digits`` as 8x8 images, one torch thread):

1. the exported package (:func:`sklearn_automl.nas.export_network`): its
   size on disk, and a round trip in a fresh process in which
   sklearn_automl, skorch and scikit-learn cannot be imported: max |diff|
   of the class probabilities against the fitted estimator, and the wall
   time of "start Python, import, load, predict the 450 test images" against
   the same for the estimator saved with joblib;
2. inference variants, in this process, on one thread: the eager module,
   batch norms folded (:func:`~sklearn_automl.nas.fold_batch_norm`),
   folded + ``torch.jit.trace``, folded + ``torch.compile`` (with
   ``--compile``; its compile time reported), and ONNX Runtime on the
   folded module exported with ``torch.onnx.export`` (when onnx,
   onnxscript and onnxruntime are installed): per-row latency at batch 1
   and 256 (best of ``--repeat`` after a warm-up) and max |diff| of the
   logits against the eager module.

    nice -n 19 python benchmarks/nas_export.py [--epochs 10] [--compile]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import joblib
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _images import load_task
from _suite import git_commit

from sklearn_automl.nas import (
    CNNNetClassifier,
    cnn_baseline,
    cnn_space,
    export_network,
    fold_batch_norm,
)
from sklearn_automl.nas._spaces import config_to_params

_PACKAGE_RUN = textwrap.dedent("""
    import importlib.abc, sys, time
    t0 = time.perf_counter()
    class _Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in ("sklearn_automl", "skorch", "sklearn"):
                raise ImportError(name)
    sys.meta_path.insert(0, _Block())
    import numpy as np
    sys.path.insert(0, sys.argv[1])
    import inference
    X = np.load(sys.argv[2])
    proba = inference.load().predict_proba(X)
    np.save(sys.argv[3], proba)
    print(time.perf_counter() - t0)
""")

_JOBLIB_RUN = textwrap.dedent("""
    import sys, time
    t0 = time.perf_counter()
    import joblib, numpy as np
    X = np.load(sys.argv[2])
    proba = joblib.load(sys.argv[1]).predict_proba(X)
    np.save(sys.argv[3], proba)
    print(time.perf_counter() - t0)
""")


def _fresh(code, *args):
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)],
                         capture_output=True, text=True, check=True)
    return time.perf_counter() - start, float(out.stdout.strip().splitlines()[-1])


def _latency(fn, x, repeat):
    fn(x)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(x)
        best = min(best, time.perf_counter() - start)
    return best / len(x)


def _variants(module, example, do_compile):
    out = {"eager": (module, 0.0)}
    t0 = time.perf_counter()
    folded = fold_batch_norm(module)
    out["folded"] = (folded, time.perf_counter() - t0)
    t0 = time.perf_counter()
    traced = torch.jit.trace(folded, example, check_trace=False)
    out["folded+jit.trace"] = (traced, time.perf_counter() - t0)
    if do_compile:
        t0 = time.perf_counter()
        compiled = torch.compile(folded, dynamic=True)
        compiled(example)
        compiled(example[:1])
        out["folded+torch.compile"] = (compiled, time.perf_counter() - t0)
    try:
        import onnxruntime as ort

        path = Path(tempfile.mkdtemp()) / "net.onnx"
        t0 = time.perf_counter()
        torch.onnx.export(folded, (example,), str(path), input_names=["x"],
                          output_names=["y"], dynamic_shapes={"x": {0: "batch"}},
                          dynamo=True, verbose=False)
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(path), options,
                                       providers=["CPUExecutionProvider"])

        def run(x, session=session):
            return torch.from_numpy(session.run(None, {"x": x.numpy()})[0])

        out["folded+onnxruntime"] = (run, time.perf_counter() - t0)
    except Exception as exc:  # noqa: BLE001 - an optional extra
        print("ONNX skipped:", type(exc).__name__, str(exc)[:200], flush=True)
    return out


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--compile", action="store_true")
    p.add_argument("--out", default="benchmarks/results/nas_export")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    Xtr, Xte, ytr, yte = load_task("digits")
    shape = (1, 8, 8)
    nets = {"baseline": cnn_baseline(shape), "space default": cnn_space(shape).default()}
    work = Path(tempfile.mkdtemp())
    np.save(work / "X.npy", Xte)
    rows, variants = [], []
    for name, decisions in nets.items():
        est = CNNNetClassifier(**config_to_params(decisions), max_epochs=args.epochs,
                               early_stopping=None, device="cpu", n_jobs=1,
                               random_state=0).fit(Xtr, ytr)
        expected = est.predict_proba(Xte)
        folder = export_network(est, work / name.replace(" ", "_"))
        size = sum(f.stat().st_size for f in folder.iterdir())
        wall, inner = _fresh(_PACKAGE_RUN, folder, work / "X.npy", work / "p.npy")
        diff = float(np.abs(np.load(work / "p.npy") - expected).max())
        joblib.dump(est, work / "est.joblib")
        jwall, jinner = _fresh(_JOBLIB_RUN, work / "est.joblib", work / "X.npy",
                               work / "j.npy")
        jdiff = float(np.abs(np.load(work / "j.npy") - expected).max())
        rows.append({"net": name, "test_accuracy": float(est.score(Xte, yte)),
                     "n_params": est.n_params_, "package_bytes": size,
                     "joblib_bytes": (work / "est.joblib").stat().st_size,
                     "package_max_abs_diff": diff, "joblib_max_abs_diff": jdiff,
                     "package_fresh_process_s": wall, "package_import_load_predict_s": inner,
                     "joblib_fresh_process_s": jwall, "joblib_import_load_predict_s": jinner})
        print(rows[-1], flush=True)
        module = est.net_.module_.eval()
        x_all = torch.from_numpy(est._standardize(est._shape_input(
            Xte.astype(np.float32), reset=False), reset=False))
        x256 = x_all[:256]
        with torch.no_grad():
            ref = module(x_all)
            for vname, (fn, setup_s) in _variants(module, x256, args.compile).items():
                out = fn(x_all)
                variants.append({
                    "net": name, "variant": vname, "setup_s": setup_s,
                    "max_abs_diff_logits": float((out - ref).abs().max()),
                    "same_predictions": bool((out.argmax(1) == ref.argmax(1)).all()),
                    "latency_us_per_row_batch1": 1e6 * _latency(fn, x_all[:1], args.repeat),
                    "latency_us_per_row_batch256": 1e6 * _latency(fn, x256, args.repeat),
                })
                print(variants[-1], flush=True)
    result = {"commit": git_commit(), "epochs": args.epochs, "torch": torch.__version__,
              "loadavg": os.getloadavg(), "packages": rows, "variants": variants}
    with open(args.out + ".json", "w") as f:
        json.dump(result, f, indent=1)
    lines = [
        "# Exported network packages and inference variants (digits 8x8, CPU, 1 thread)",
        "",
        (f"commit {result['commit']}, torch {torch.__version__}, {args.epochs} epochs, "
        f"load average {np.round(result['loadavg'], 2).tolist()}; command: "
        f"`nice -n 19 python benchmarks/nas_export.py"
        f"{' --compile' if args.compile else ''}`"),
        "",
        "## Package round trip (fresh process, sklearn_automl/skorch/sklearn blocked)",
        "",
        ("| net | params | package KB | joblib KB | max abs diff proba (package) | "
        "fresh process s: package / joblib | import+load+predict s: package / joblib |"),
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['net']} | {r['n_params']} | {r['package_bytes'] / 1024:.1f} | "
            f"{r['joblib_bytes'] / 1024:.1f} | {r['package_max_abs_diff']:.3g} | "
            f"{r['package_fresh_process_s']:.2f} / {r['joblib_fresh_process_s']:.2f} | "
            f"{r['package_import_load_predict_s']:.2f} / "
            f"{r['joblib_import_load_predict_s']:.2f} |")
    lines += ["", "## Inference variants", "",
              ("| net | variant | setup s | max abs diff logits | same argmax | "
              "us/row batch 1 | us/row batch 256 |"), "|---|---|---|---|---|---|---|"]
    for v in variants:
        lines.append(
            f"| {v['net']} | {v['variant']} | {v['setup_s']:.2f} | "
            f"{v['max_abs_diff_logits']:.2g} | {v['same_predictions']} | "
            f"{v['latency_us_per_row_batch1']:.1f} | {v['latency_us_per_row_batch256']:.2f} |")
    with open(args.out + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
