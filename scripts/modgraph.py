#!/usr/bin/env python3
"""The server crate's module graph: which file uses which, and its cycles.

Usage: python3 scripts/modgraph.py [server/src] [--dot]
Prints every strongly connected group of more than one module (an import
cycle) and exits 1 if there is any; --dot prints the graph for Graphviz.
A module is a file; `use crate::a::b::C` and `crate::a::b::f()` paths
resolve to the longest module prefix that exists, as do `super::` paths.
"""
import os, re, sys

root = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("--") else "server/src"
mods = {}
for d, _, files in os.walk(root):
    for f in files:
        if not f.endswith(".rs"):
            continue
        rel = os.path.relpath(os.path.join(d, f), root)[:-3].split(os.sep)
        if rel[-1] == "mod":
            rel = rel[:-1]
        if rel in (["lib"], ["main"]):
            rel = []
        mods[tuple(rel)] = os.path.join(d, f)

def resolve(path):
    path = tuple(path)
    while path and path not in mods:
        path = path[:-1]
    return path

def strip_tests(src):
    # Unit tests may use anything; they are not part of the module's design.
    i = src.find("#[cfg(test)]\nmod tests")
    src = src if i < 0 else src[:i]
    # Nor are paths named in comments.
    return re.sub(r"//[^\n]*", "", src)

edges = {m: set() for m in mods}
tok = re.compile(r"\b(crate|super)((?:::\w+)+|::\{)")
for m, f in mods.items():
    src = strip_tests(open(f).read())
    def target(base, segs):
        if base == "crate":
            return resolve(segs)
        # super / super::super relative to this module (mod.rs is its own dir)
        ups = base.count("super")
        parent = list(m)
        parent = parent[: len(parent) - ups]
        return resolve(parent + segs)
    for g in re.finditer(r"\b(crate|super(?:::super)*)::((?:\w+::)*)(\{[^}]*\}|\w+)", src):
        base, prefix, last = g.group(1), g.group(2), g.group(3)
        parts = [last] if not last.startswith("{") else [p.strip().split(" as ")[0] for p in last[1:-1].split(",")]
        for p in parts:
            segs = [s for s in (prefix + p).split("::") if s and s != "self"]
            t = target(base, segs)
            if t != m and t in mods and t != ():
                edges[m].add(t)

    # Paths relative to this module: `child::item`, `self::child::item`.
    children = {c[-1] for c in mods if len(c) == len(m) + 1 and c[: len(m)] == m}
    for g in re.finditer(r"(?<![:\w])(?:self::)?(\w+)((?:::\w+)*)::", src):
        if g.group(1) in children:
            segs = [g.group(1)] + [p for p in g.group(2).split("::") if p]
            edges[m].add(resolve(list(m) + segs))

# Tarjan's strongly connected components.
index, low, stack, on, sccs = {}, {}, [], set(), []
sys.setrecursionlimit(10000)
def visit(v, n=[0]):
    index[v] = low[v] = n[0]; n[0] += 1
    stack.append(v); on.add(v)
    for w in edges[v]:
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        sccs.append(comp)
for v in mods:
    if v not in index:
        visit(v)

name = lambda m: "::".join(m) or "crate"
if "--dot" in sys.argv:
    print("digraph server {")
    for a in sorted(edges):
        for b in sorted(edges[a]):
            print(f'  "{name(a)}" -> "{name(b)}";')
    print("}")
cycles = [sorted(c) for c in sccs if len(c) > 1]
print(f"{len(mods)} modules, {sum(len(e) for e in edges.values())} edges, {len(cycles)} cycle(s)")
for c in cycles:
    print(f"cycle of {len(c)}: " + ", ".join(name(m) for m in c))
sys.exit(1 if cycles else 0)
