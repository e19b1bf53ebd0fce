#!/usr/bin/env python3
"""Lists the public symbols that have no `///` doc comment, from the symbol graphs that
`swift package generate-documentation` (or `swift build -emit-symbol-graph`) writes.

Usage: Scripts/undocumented-symbols.py SYMBOL_GRAPH_DIR...   (exit status 1 when any are missing)
"""
import json
import pathlib
import sys

# Members that only restate a protocol requirement documented elsewhere.
SKIPPED_NAMES = {"description", "hash(into:)", "==(_:_:)", "<(_:_:)", "init(from:)", "encode(to:)",
                 "rawValue", "init(rawValue:)", "hashValue", "allCases", "next()"}


def main(directories):
    missing = []
    for directory in directories:
        for path in sorted(pathlib.Path(directory).rglob("*.symbols.json")):
            graph = json.loads(path.read_text())
            for symbol in graph.get("symbols", []):
                if symbol.get("accessLevel") not in ("public", "open"):
                    continue
                if symbol.get("docComment", {}).get("lines"):
                    continue
                names = symbol.get("pathComponents", [])
                if names and names[-1] in SKIPPED_NAMES:
                    continue
                # Symbols inherited from the standard library's protocol extensions carry no location.
                location = symbol.get("location")
                if location is None:
                    continue
                uri = location.get("uri", "").replace("file://", "")
                line = location.get("position", {}).get("line", 0) + 1
                missing.append(f"{uri}:{line}: {'.'.join(names)}")
    for entry in sorted(set(missing)):
        print(entry)
    print(f"{len(set(missing))} public symbols without a doc comment", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["."]))
