"""The sklearn-automl command."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sklearn_automl.cli import main


@pytest.fixture
def csv_file(tmp_path, mixed_frame):
    X, y = mixed_frame
    path = tmp_path / "train.csv"
    X.assign(target=y).to_csv(path, index=False)
    return path


def test_fit_then_predict(csv_file, tmp_path, capsys):
    model = tmp_path / "model.joblib"
    rc = main(["fit", str(csv_file), "--target", "target", "--max-trials", "2",
               "--output", str(model)])
    assert rc == 0 and model.exists()
    printed = capsys.readouterr().out
    # the fit summary first, then the leaderboard's top and the best model
    assert printed.index("Trials per family and status") < printed.index("Top trials")
    assert "Final model:" in printed and "Input columns (6)" in printed
    assert "best:" in printed
    out = tmp_path / "pred.csv"
    data = pd.read_csv(csv_file).drop(columns=["target"])
    data.to_csv(tmp_path / "new.csv", index=False)
    assert main(["predict", str(model), str(tmp_path / "new.csv"), "--output", str(out)]) == 0
    pred = pd.read_csv(out)
    assert list(pred.columns) == ["prediction", "proba_no", "proba_yes"]
    assert len(pred) == len(data)
    np.testing.assert_allclose(pred[["proba_no", "proba_yes"]].sum(axis=1), 1.0)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["fit", "/no/such.csv", "--target", "y"], "no such file"),
        (["predict", "/no/model.joblib", "/no/data.csv"], "no such file"),
    ],
)
def test_usage_errors_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_missing_target_and_unreadable_file(csv_file, tmp_path, capsys):
    assert main(["fit", str(csv_file), "--target", "nope"]) == 2
    assert "target column 'nope' is not in" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\xff\xfe garbage")
    assert main(["fit", str(bad), "--target", "y"]) == 2
    assert main(["predict", str(bad), str(csv_file)]) == 2
    err = capsys.readouterr().err
    assert "cannot" in err or "is not in" in err


def test_console_script_exit_code_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_automl.cli", "fit", str(tmp_path / "x.csv"),
         "--target", "y"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_demo_runs(capsys):
    assert main(["demo", "--dataset", "wine", "--max-trials", "2", "--time-budget", "30"]) == 0
    out = capsys.readouterr().out
    assert "held-out test score" in out and "2 trials" in out
