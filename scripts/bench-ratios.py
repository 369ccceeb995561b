#!/usr/bin/env python3
"""Print each criterion measurement of the last `cargo bench` run as a ratio
to the floor of its group (the `floor` benchmark in the same group)."""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
groups = {}
for est in root.glob("**/new/estimates.json"):
    bench_dir = est.parent.parent
    rel = bench_dir.relative_to(root).parts
    if len(rel) < 2:
        continue
    group, name = "/".join(rel[:-1]), rel[-1]
    ns = json.loads(est.read_text())["median"]["point_estimate"]
    groups.setdefault(group, {})[name] = ns

def fmt(ns):
    return f"{ns / 1000:.3f} µs" if ns < 1e6 else f"{ns / 1e6:.3f} ms"

for group in sorted(groups):
    benches = groups[group]
    floor = benches.get("floor")
    print(group)
    for name in sorted(benches, key=lambda n: (n != "floor", n)):
        ratio = f"{benches[name] / floor:5.2f}x floor" if floor else ""
        print(f"  {name:24} {fmt(benches[name]):>12}  {ratio}")
    if "layer-own" in benches:
        own = benches["layer-own"]
        verdict = "within" if own <= 1000 else "OVER"
        print(f"  layer's own cost, interleaved {fmt(own):>12}  (target 1 µs: {verdict})")
    if {"floor", "signed", "full-sign"} <= benches.keys():
        added = benches["signed"] - floor
        budget = benches["full-sign"] + 1000
        verdict = "within" if added <= budget else "OVER"
        print(f"  added by the layer {fmt(added):>12}  (budget full-sign + 1 µs = {fmt(budget)}: {verdict})")
