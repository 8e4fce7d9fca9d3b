"""The fixed parts of an exported network package: ``inference.py`` and ``train.py``.

:func:`~sklearn_automl.nas.export_network` writes each as a block of
constants (repr of plain values) followed by the text below; the text is
the same for every network. Both import only numpy, torch and the
package's own ``model.py``.
"""

IMPORT_MODEL = '''
try:  # the directory imported as a package, or run as scripts
    from .model import ARCHITECTURE, INPUT_SHAPE, TASK, as_input, build_model, preprocess
except ImportError:
    from model import ARCHITECTURE, INPUT_SHAPE, TASK, as_input, build_model, preprocess
'''

READ_DATA = '''
def _label(text):
    """A CSV label as int, float or string (the first that parses)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def read_data(path, target=None):
    """``(X, y)`` from a ``.npy`` (X only), ``.npz`` (arrays ``X`` and ``y``) or
    ``.csv`` file (a header row; every column but ``target`` is a number:
    features, or the pixels of flat images in (channel, row, column) order).
    ``y`` is None when the file has no target.
    """
    path = Path(path)
    if path.suffix == ".npy":
        return np.load(path), None
    if path.suffix == ".npz":
        data = np.load(path, allow_pickle=False)
        return data["X"], (data["y"] if "y" in data else None)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    if target is not None and target not in header:
        raise SystemExit(f"{path}: no column {target!r} among {header[:10]}...")
    j = header.index(target) if target is not None else None
    X = np.array([[float(v) for i, v in enumerate(r) if i != j] for r in rows],
                 dtype=np.float32)
    y = None if j is None else np.array([_label(r[j]) for r in rows])
    return X, y
'''

INFERENCE = '''

class Predictor:
    """A loaded network: ``predict`` (and ``predict_proba`` for classifiers).

    Rows go through the network in batches of ``BATCH_SIZE`` in inference
    mode, as in sklearn_automl, so that the outputs are the same.
    """

    def __init__(self, module, checkpoint, device="cpu"):
        self.module = module
        self.device = device
        self.stats = {k: v.numpy() if torch.is_tensor(v) else v
                      for k, v in checkpoint["preprocessing"].items()}
        self.classes = (np.asarray(checkpoint["classes"])
                        if checkpoint.get("classes") is not None else None)
        self.target = {k: v.numpy() for k, v in checkpoint.get("target", {}).items()}

    def forward(self, X):
        """Raw outputs (logits, or standardized targets) as float32."""
        X = preprocess(X, self.stats)
        outs = []
        with torch.no_grad():
            for start in range(0, len(X), BATCH_SIZE):
                xb = torch.from_numpy(X[start:start + BATCH_SIZE]).to(self.device)
                outs.append(self.module(xb).float().cpu())
        return torch.cat(outs).numpy()

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes``."""
        if self.classes is None:
            raise AttributeError("a regression network has no predict_proba")
        logits = self.forward(X)
        logits = logits - logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Classes, or target values."""
        if self.classes is not None:
            return self.classes[np.argmax(self.predict_proba(X), axis=1)]
        out = self.forward(X) * self.target["scale"] + self.target["mean"]
        return out[:, 0] if bool(self.target["single"]) else out


def load(directory=None, *, device="cpu", optimize=None):
    """Load ``weights.pt`` of ``directory`` (this file's folder by default).

    Tensors are mapped to ``device`` on load (``map_location``), so weights
    saved from a GPU load on a machine without one.

    Parameters
    ----------
    directory : str or Path, optional
    device : str, default="cpu"
    optimize : {None, "fold", "trace", "compile"}, default=None
        ``"fold"``: batch norms folded into the layers next to them
        (:func:`fold_batch_norm`); ``"trace"``: folded, then
        ``torch.jit.trace``; ``"compile"``: folded, then ``torch.compile``.
        Each changes the outputs by float rounding only.

    Returns
    -------
    predictor : Predictor
    """
    directory = Path(directory) if directory is not None else HERE
    checkpoint = torch.load(directory / "weights.pt", map_location=device,
                            weights_only=True)
    module = build_model()
    module.load_state_dict(checkpoint["state_dict"])
    module.to(device).eval()
    if optimize is not None:
        module = fold_batch_norm(module)
    if optimize == "trace":
        example = torch.zeros((BATCH_SIZE, *np.atleast_1d(INPUT_SHAPE)), device=device)
        module = torch.jit.trace(module, example, check_trace=False)
    elif optimize == "compile":
        module = torch.compile(module, dynamic=True)
    elif optimize not in (None, "fold"):
        raise ValueError(f"optimize must be None, 'fold', 'trace' or 'compile', got "
                         f"{optimize!r}")
    return Predictor(module, checkpoint, device)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help=".npy, .npz or .csv file of rows to predict")
    parser.add_argument("--output", default="-", help="CSV of predictions ('-': stdout)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--optimize", choices=["fold", "trace", "compile"])
    args = parser.parse_args(argv)
    X, _ = read_data(args.data)
    predictor = load(device=args.device, optimize=args.optimize)
    pred = predictor.predict(X)
    out = sys.stdout if args.output == "-" else open(args.output, "w", newline="")
    writer = csv.writer(out)
    if predictor.classes is not None:
        proba = predictor.predict_proba(X)
        writer.writerow(["prediction", *(f"proba_{c}" for c in predictor.classes)])
        writer.writerows([p, *row] for p, row in zip(pred.tolist(), proba.tolist()))
    else:
        pred = pred.reshape(len(pred), -1)
        writer.writerow([f"prediction_{k}" for k in range(pred.shape[1])])
        writer.writerows(pred.tolist())
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
'''

TRAIN = '''

def _stats(X):
    """Per-feature (per-channel for images) mean and scale of the inputs."""
    axes = (0,) if X.ndim == 2 else (0, 2, 3)
    mean = X.mean(axis=axes, keepdims=True, dtype=np.float64)
    scale = X.std(axis=axes, keepdims=True, dtype=np.float64)
    scale[~(scale > 1e-12)] = 1.0
    return {"mean": torch.from_numpy(mean.astype(np.float32)[0]),
            "scale": torch.from_numpy(scale.astype(np.float32)[0])}


def fit(X, y, *, recipe=None, device="cpu"):
    """Train ``build_model()`` on ``X``, ``y``; the checkpoint ``inference.load`` reads.

    Parameters
    ----------
    X : ndarray
        Images ``(n, H, W)``, ``(n, C, H, W)`` or flat rows, or tabular rows.
    y : ndarray
        Labels (classification) or targets.
    recipe : dict, optional
        Overrides of ``RECIPE``.
    device : str, default="cpu"

    Returns
    -------
    checkpoint : dict
    """
    recipe = {**RECIPE, **(recipe or {})}
    X = as_input(X)
    stats = _stats(X)
    checkpoint = {"preprocessing": stats, "classes": None, "target": {}}
    if TASK == "classification":
        classes, target = np.unique(y, return_inverse=True)
        checkpoint["classes"] = classes.tolist()
        target = torch.from_numpy(target.astype(np.int64))
        loss_fn = nn.CrossEntropyLoss()
    else:
        y = np.asarray(y, dtype=np.float64)
        y2 = y.reshape(len(y), -1)
        mean, std = y2.mean(axis=0), y2.std(axis=0)
        std = np.where(std > 1e-12, std, 1.0)
        checkpoint["target"] = {"mean": torch.from_numpy(mean),
                                "scale": torch.from_numpy(std),
                                "single": torch.tensor(y.ndim == 1)}
        target = torch.from_numpy(((y2 - mean) / std).astype(np.float32))
        loss_fn = nn.MSELoss()
    inputs = torch.from_numpy(preprocess(X, {k: v.numpy() for k, v in stats.items()}))
    torch.manual_seed(recipe["seed"])
    generator = torch.Generator().manual_seed(recipe["seed"])
    module = build_model().to(device)
    n = len(inputs)
    valid = None
    if recipe["early_stopping"] is not None and n >= 20:
        order = torch.randperm(n, generator=generator)
        n_valid = int(np.ceil(n * recipe["validation_fraction"]))
        valid, train = order[:n_valid], order[n_valid:]
    else:
        train = torch.arange(n)
    batch = min(recipe["batch_size"], len(train))
    optimizer = torch.optim.AdamW(module.parameters(), lr=recipe["lr"],
                                  weight_decay=recipe["weight_decay"])
    scheduler = (torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=recipe["max_epochs"]) if recipe["lr_schedule"] == "cosine"
        else None)
    best, best_loss, waited = None, float("inf"), 0
    for _ in range(recipe["max_epochs"]):
        module.train()
        perm = train[torch.randperm(len(train), generator=generator)]
        for start in range(0, len(perm), batch):
            idx = perm[start:start + batch]
            if len(idx) == 1 and len(perm) > 1:
                continue  # batch norm cannot train on a single row
            optimizer.zero_grad()
            loss = loss_fn(module(inputs[idx].to(device)), target[idx].to(device))
            loss.backward()
            if recipe["grad_clip"] is not None:
                nn.utils.clip_grad_norm_(module.parameters(), recipe["grad_clip"])
            optimizer.step()
        if scheduler is not None:
            scheduler.step()
        if valid is not None:
            module.eval()
            with torch.no_grad():
                vloss = float(loss_fn(module(inputs[valid].to(device)),
                                      target[valid].to(device)))
            if vloss < best_loss:
                best_loss, waited = vloss, 0
                best = {k: v.detach().clone() for k, v in module.state_dict().items()}
            else:
                waited += 1
                if waited >= recipe["early_stopping"]:
                    break
    if best is not None:
        module.load_state_dict(best)
    checkpoint["state_dict"] = {k: v.cpu() for k, v in module.state_dict().items()}
    return checkpoint


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help=".npz (arrays X, y) or .csv training file")
    parser.add_argument("--target", help="the label column of a CSV file")
    parser.add_argument("--epochs", type=int, help="override RECIPE['max_epochs']")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--output", default=str(HERE / "weights.pt"))
    args = parser.parse_args(argv)
    X, y = read_data(args.data, args.target)
    if y is None:
        raise SystemExit("no target: give an .npz with y, or --target for a CSV")
    recipe = {} if args.epochs is None else {"max_epochs": args.epochs}
    torch.save(fit(X, y, recipe=recipe, device=args.device), args.output)


if __name__ == "__main__":
    main()
'''
