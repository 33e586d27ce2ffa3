#!/usr/bin/env python3
"""Compare the metrics of two summary.json files: every number outside config/timing must be identical.
Keys renamed on purpose are mapped; old Float-valued metrics are compared at Float precision."""
import json, sys, struct
RENAMED = {"test_nll_iw": "test_log_px_iw"}
TIMING = ("seconds", "train_seconds", "iw_seconds", "fit_seconds", "total_seconds", "threads")
SKIP = {"config", "files", "chapter", "command"}
def f32(x): return struct.unpack('f', struct.pack('f', x))[0]
def flat(v, prefix=""):
    out = {}
    if isinstance(v, dict):
        for k, x in v.items():
            k = RENAMED.get(k, k)
            out.update(flat(x, prefix + "." + k if prefix else k))
    elif isinstance(v, list):
        for i, x in enumerate(v): out.update(flat(x, f"{prefix}[{i}]"))
    else:
        out[prefix] = v
    return out
def metrics(path, old):
    d = json.load(open(path))
    if old and "config" not in d:  # chapters 3 and 4 wrote config at the top level: keep only metric keys
        pass
    return {k: v for k, v in flat({k: v for k, v in d.items() if k not in SKIP}).items()
            if not any(t in k.split(".")[-1] for t in TIMING)}
old, new = metrics(sys.argv[1], True), metrics(sys.argv[2], False)
same = diff = 0
for k, v in sorted(old.items()):
    if not isinstance(v, (int, float)) or isinstance(v, bool): continue
    if k not in new:
        continue
    w = new[k]
    ok = (v == w) or (isinstance(w, float) and f32(w) == f32(v) and len(repr(v)) < len(repr(w)))
    if ok: same += 1
    else:
        diff += 1; print(f"  DIFF {k}: {v!r} vs {w!r}")
missing = [k for k, v in old.items() if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in new]
print(f"{sys.argv[2]}: {same} metrics identical, {diff} differ; old-only keys: {len(missing)} {missing[:8]}")
