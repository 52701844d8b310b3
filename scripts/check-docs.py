#!/usr/bin/env python3
"""check-docs.py — checks that the documentation states what the code does.

    python3 scripts/check-docs.py        # run by scripts/test.sh (suite docs)

Each check compares a statement in the docs with its source of truth in the code and
prints, for every mismatch, what to change and where. Exit status 1 when any fails.

- status codes: Sources/OmenDB/Support/OmenError.swift (StatusCode) against the
  status-code block of include/omendb.h and the error table of docs/c-api.md;
- C functions: every omendb_* function declared in include/omendb.h is named in
  docs/c-api.md, and every one docs/c-api.md names is declared;
- results files: every bench/results/ file a document cites exists, and every file
  there is cited (a .meta.jsonl through its .jsonl);
- format versions: the versions in docs/format.md's headings and tables against the
  `static let version` of each format's source file;
- test lists: the suites in docs/building.md against SUITES in scripts/test.sh, and
  every Tests/c/test_*.c named in docs/building.md;
- relative links in README.md and docs/*.md point at files that exist;
- the RMI default leaf size stated in include/omendb.h against RMIIndex.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ROOT / "include/omendb.h"
C_API_DOC = ROOT / "docs/c-api.md"
problems: list[str] = []


def read(relative: str) -> str:
    return (ROOT / relative).read_text(encoding="utf-8")


def problem(text: str) -> None:
    problems.append(text)


def docs_files() -> list[Path]:
    """Every document that may cite results or link files."""
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench/README.md"]
    files += sorted((ROOT / "bindings").glob("*/README.md")) + sorted((ROOT / "examples").glob("*/README.md"))
    return [f for f in files if f.exists()]


def snake(case_name: str) -> str:
    return "OMENDB_" + re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", case_name.strip("`")).upper()


def check_status_codes() -> None:
    source = read("Sources/OmenDB/Support/OmenError.swift")
    cases = {snake(n): int(v) for n, v in re.findall(r"case\s+(`?\w+`?)\s*=\s*(\d+)", source)}
    texts = {snake(n): t for n, t in re.findall(r"case\s+\.(`?\w+`?):\s*return\s+\"([^\"]*)\"", source)}
    header = HEADER.read_text(encoding="utf-8")
    lines = header.splitlines()
    start = next(i for i, l in enumerate(lines) if "Status codes and errors" in l)
    end = next(i for i in range(start, len(lines)) if "omendb_status_string(" in lines[i])
    block = {m.group(1): int(m.group(2)) for l in lines[start:end]
             if (m := re.match(r"#define (OMENDB_\w+)\s+(\d+)", l))}
    for name, value in cases.items():
        if block.get(name) == value:
            continue
        elsewhere = [i + 1 for i, l in enumerate(lines) if re.match(rf"#define {name}\s", l)]
        if elsewhere:
            problem(f"include/omendb.h:{elsewhere[0]}: status code {name} is defined outside the "
                    f"status-code block (lines {start + 1}-{end}): move its #define (value {value}) "
                    f"into that block, after the last code, with a one-line comment like the others")
        else:
            problem(f"include/omendb.h: status code {name} = {value} (StatusCode in "
                    f"Sources/OmenDB/Support/OmenError.swift) has no #define in the status-code block")
    for name, value in block.items():
        if cases.get(name) != value:
            problem(f"include/omendb.h: {name} {value} in the status-code block is not a StatusCode case "
                    f"with that value in Sources/OmenDB/Support/OmenError.swift")
    doc = C_API_DOC.read_text(encoding="utf-8")
    rows = {m.group(1): (int(m.group(2)), m.group(3))
            for m in re.finditer(r"^\| `(OMENDB_\w+)` \| (\d+) \| `([^`]*)` \|", doc, re.M)}
    for name, value in cases.items():
        want = (value, texts.get(name, "?"))
        if rows.get(name) != want:
            problem(f"docs/c-api.md: the error table (section Errors) needs the row "
                    f"| `{name}` | {value} | `{want[1]}` | <meaning> |"
                    + (f" (it has {rows[name]})" if name in rows else ""))
    for name in rows.keys() - cases.keys():
        problem(f"docs/c-api.md: the error table lists {name}, which is no status code")


def check_functions() -> None:
    header = re.sub(r"/\*.*?\*/", "", HEADER.read_text(encoding="utf-8"), flags=re.S)
    declared = set(re.findall(r"\b(omendb_\w+)\s*\(", header))
    doc = C_API_DOC.read_text(encoding="utf-8")
    named = set(re.findall(r"\b(omendb_\w+)\s*\(", doc)) | set(re.findall(r"`(omendb_\w+)`", doc))
    for name in sorted(declared - named):
        problem(f"docs/c-api.md: {name} (declared in include/omendb.h) is not named: add it to the "
                f"function list (section Functions) under its header section")
    types = set(re.findall(r"typedef struct (omendb_\w+)", header))
    for name in sorted(named - declared - types):
        problem(f"docs/c-api.md names `{name}`, which include/omendb.h does not declare")


def check_results() -> None:
    results = ROOT / "bench/results"
    files = {p.name for p in results.iterdir() if p.is_file()} if results.is_dir() else set()
    cited: set[str] = set()
    for doc in docs_files():
        text = doc.read_text(encoding="utf-8")
        for name in re.findall(r"bench/results/([A-Za-z0-9._-]+\.(?:jsonl|txt|json|csv))", text):
            cited.add(name)
            if name not in files:
                problem(f"{doc.relative_to(ROOT)} cites bench/results/{name}, which does not exist")
        for name in files:
            if name in text:
                cited.add(name)
    for name in sorted(files):
        base = name.replace(".meta.jsonl", ".jsonl")
        if name not in cited and base not in cited:
            problem(f"bench/results/{name} is cited by no document: cite it where its figures are "
                    f"quoted, or delete it (git history keeps it)")


def check_format_versions() -> None:
    doc = read("docs/format.md")
    sources = {
        "wal": ("Sources/OmenDB/Storage/WriteAheadLog.swift", r"## Write-ahead log \([^)]*version (\d+)"),
        "run": ("Sources/OmenDB/Storage/RunFormat.swift", r"## Run file \([^)]*?version (\d+)"),
        "manifest": ("Sources/OmenDB/Storage/Manifest.swift", r"## Manifest \([^)]*version (\d+)"),
        "index model": ("Sources/OmenDB/Index/Serialization/IndexFormat.swift",
                        r"format version, u32 \(this document: \*\*(\d+)\*\*"),
        "ALEX map": ("Sources/OmenDB/Index/Serialization/ALEXMapCoding.swift",
                     r"format version u32 \(this document: (\d+)\)"),
    }
    for what, (source, pattern) in sources.items():
        code = re.search(r"static let version: UInt32 = (\d+)", read(source))
        stated = re.search(pattern, doc)
        if not code or not stated:
            problem(f"docs/format.md: cannot find the {what} format version (pattern {pattern!r}) "
                    f"or `static let version` in {source}: update scripts/check-docs.py")
        elif code.group(1) != stated.group(1):
            problem(f"docs/format.md states {what} format version {stated.group(1)}; "
                    f"{source} writes version {code.group(1)}")


def check_test_lists() -> None:
    script = read("scripts/test.sh")
    suites = re.search(r"^SUITES=\(([^)]*)\)", script, re.M).group(1).split()
    building = read("docs/building.md")
    tests_section = building.split("## Tests", 1)[1]
    rows = re.findall(r"^\| `(\w+)` \|", tests_section, re.M)
    if rows != suites:
        problem(f"docs/building.md: the suite table lists {rows}; scripts/test.sh SUITES is {suites} "
                f"(same names, same order)")
    for test in sorted((ROOT / "Tests/c").glob("test_*.c")):
        if f"`{test.name}`" not in building:
            problem(f"docs/building.md: the C test list (section Tests) does not describe `{test.name}`")


def check_links() -> None:
    for doc in docs_files():
        text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = (doc.parent / target.split("#", 1)[0]).resolve()
            if not path.exists():
                problem(f"{doc.relative_to(ROOT)} links to {target}, which does not exist")


def check_rmi_leaf_size() -> None:
    stated = re.search(r"one leaf per (\d+) keys", HEADER.read_text(encoding="utf-8"))
    code = re.search(r"defaultKeysPerLeaf = (\d+)", read("Sources/OmenDB/Index/RMI/RMIIndex.swift"))
    if not stated or not code or stated.group(1) != code.group(1):
        problem(f"include/omendb.h: the RMI default (\"one leaf per N keys\") must state "
                f"RMIIndex.defaultKeysPerLeaf = {code.group(1) if code else '?'}")


for check in (check_status_codes, check_functions, check_results, check_format_versions,
              check_test_lists, check_links, check_rmi_leaf_size):
    check()
if problems:
    print(f"check-docs: {len(problems)} problem(s):")
    for p in problems:
        print(f"- {p}")
    sys.exit(1)
print("check-docs: status codes, C functions, results files, format versions, test lists, links: ok")
