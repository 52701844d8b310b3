#!/usr/bin/env python3
"""Generates the ABI conformance calls from include/omendb.h (Python 3 stdlib only).

    generate_conformance.py HEADER OUTPUT.c     # writes the C calls
    generate_conformance.py --self-test HEADER  # checks that an unknown function is caught

Every function the header declares is found by parsing it (with its parameter
types), so a function added to the header is covered without editing this file,
or, if its rule is missing, reported. For each function the generated C:

  - makes the documented baseline call (fresh handles, valid buffers) and checks
    its status (or return value);
  - for each pointer parameter in turn, passes NULL;
  - for each handle parameter, passes a handle freed just before (its slot not
    reused) and a live handle of another type;
  - for each size_t parameter, passes 0, 2^63 and SIZE_MAX; for each size_t read
    from a caller array (bulk load's lengths) or struct (struct_size), sets that
    element to 2^63 and SIZE_MAX (struct_size also to 0);
  - for enumerated integers, passes out-of-range values;

and checks each call's status against the documented one (the rules below, read
from the header's comments), and the message: a call that fails records a
message starting with the function's name (mentioning NULL, the freed handle or
the refused size in decimal as fitting) and writes no output handle; a call that
succeeds, answers NOT_FOUND or frees NULL leaves the previous message alone. Built with ASan+UBSan, any
out-of-bounds access, use after free or crash fails the test too.

Type classes come from the parsed declarations; what must be written down per
function is only what the header documents in prose: the baseline arguments,
which pointers may be NULL, the role of each size_t (an input count or length
capped at 2^60 or 2^30: "input"; a capacity of a caller output: "capacity"),
and statuses that differ from the conventions. A declared function without a
rule, a rule naming a parameter the function does not have, a rule for a
function the header lacks, or a parameter type this generator does not know
becomes a failing check in the generated program.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

OK = "OMENDB_OK"
NOT_FOUND = "OMENDB_NOT_FOUND"
INVALID = "OMENDB_INVALID_ARGUMENT"
MISUSE = "OMENDB_MISUSE"
TOO_LARGE = "OMENDB_TOO_LARGE"
CORRUPTION = "OMENDB_CORRUPTION"
TOO_SMALL = "OMENDB_BUFFER_TOO_SMALL"

INPUT = "input"        # a count or length of caller input: above its limit, OMENDB_TOO_LARGE
CAPACITY = "capacity"  # a capacity of caller output: any value is fine (big enough)

HUGE_SIZES = (("(size_t)1 << 63", "9223372036854775808"), ("SIZE_MAX", "18446744073709551615"))

# Handle types the fixture can make (fixture.h): fx_make_T / fx_dispose_T / fx_stale_T.
KNOWN_HANDLES = ("index_options", "index", "options", "db", "batch", "snapshot", "iterator", "map", "map_cursor",
                 "txn_options", "txn", "table")


@dataclass
class Rule:
    """What the header documents for one function, beyond the conventions."""
    args: Dict[str, str] = field(default_factory=dict)      # baseline argument expressions
    status: str = OK                                         # the baseline call's status
    returns: Optional[str] = None                            # for int functions that return a value, not a status
    optional: Tuple[str, ...] = ()                           # pointers that may be NULL (status as baseline)
    null: Dict[str, str] = field(default_factory=dict)       # other statuses for NULL
    stale: Dict[str, str] = field(default_factory=dict)      # statuses for freed / wrong-type handles (MISUSE)
    sizes: Dict[str, str] = field(default_factory=dict)      # role of each size_t parameter
    zero: Dict[str, str] = field(default_factory=dict)       # statuses for size 0 (default: baseline)
    elements: Dict[str, str] = field(default_factory=dict)   # role of size_t elements of input arrays
    ints: Dict[str, Dict[str, str]] = field(default_factory=dict)  # integer values -> status
    consumes: Tuple[str, ...] = ()                           # handle parameters the call frees


R = Rule
RULES: Dict[str, Rule] = {
    # Versions, statuses, errors.
    "omendb_version_number": R(returns="OMENDB_VERSION_NUMBER"),
    "omendb_version_string": R(),
    "omendb_status_string": R(args={"status": "OMENDB_MISUSE"}, ints={"status": {"-1": "", "INT_MAX": ""}}),
    "omendb_last_error": R(),
    # Learned index options and indexes.
    "omendb_index_options_create": R(),
    "omendb_index_options_free": R(consumes=("options",)),
    "omendb_index_options_set_kind": R(args={"kind": "OMENDB_INDEX_PGM"}, ints={"kind": {"-1": INVALID, "INT_MAX": INVALID}}),
    "omendb_index_options_set_epsilon": R(args={"epsilon": "64"}, ints={"epsilon": {"0": INVALID, "UINT32_MAX": INVALID}}),
    "omendb_index_options_set_recursive_epsilon": R(args={"epsilon": "4"},
                                                    ints={"epsilon": {"0": INVALID, "1048577": INVALID}}),
    "omendb_index_options_set_rmi_leaves": R(args={"leaves": "0"}),
    "omendb_index_options_set_search": R(args={"search": "OMENDB_SEARCH_BRANCHLESS"},
                                         ints={"search": {"-1": INVALID, "2": INVALID}}),
    "omendb_index_build": R(args={"count": "FX_KEY_COUNT"}, optional=("options",), sizes={"count": INPUT}),
    "omendb_index_free": R(consumes=("index",)),
    "omendb_index_find": R(args={"key": "20"}),
    "omendb_index_lower_bound": R(args={"key": "25"}),
    "omendb_index_range": R(args={"lo": "10", "hi": "40"}),
    "omendb_index_find_batch": R(args={"count": "4"}, optional=("found",), sizes={"count": INPUT}),
    "omendb_index_lower_bound_batch": R(args={"count": "4"}, sizes={"count": INPUT}),
    "omendb_index_get_stats": R(),
    "omendb_index_kind_name": R(args={"kind": "OMENDB_INDEX_ALEX"}, ints={"kind": {"-1": "", "INT_MAX": ""}}),
    "omendb_index_serialized_size": R(),
    "omendb_index_serialize": R(args={"capacity": "FX_BUFFER_BYTES"}, sizes={"capacity": CAPACITY},
                                zero={"capacity": TOO_LARGE}),
    "omendb_index_load": R(args={"count": "FX_KEY_COUNT", "buffer": "fx.index_bytes", "length": "fx.index_size"},
                           sizes={"count": INPUT, "length": INPUT}, zero={"count": INVALID, "length": CORRUPTION}),
    # Database options.
    "omendb_options_create": R(),
    "omendb_options_free": R(consumes=("options",)),
    "omendb_options_set_create_if_missing": R(args={"yes": "1"}, ints={"yes": {"-1": INVALID, "2": INVALID}}),
    "omendb_options_set_error_if_exists": R(args={"yes": "0"}, ints={"yes": {"-1": INVALID, "2": INVALID}}),
    "omendb_options_set_create_in_nonempty_directory": R(args={"yes": "1"},
                                                         ints={"yes": {"-1": INVALID, "2": INVALID}}),
    "omendb_options_set_read_only": R(args={"yes": "0"}, ints={"yes": {"-1": INVALID, "INT_MAX": INVALID}}),
    "omendb_options_set_sync": R(args={"mode": "OMENDB_SYNC_FULL"}, ints={"mode": {"-1": INVALID, "3": INVALID}}),
    "omendb_options_set_index_kind": R(args={"kind": "OMENDB_INDEX_PGM"}, ints={"kind": {"-1": INVALID, "INT_MAX": INVALID}}),
    "omendb_options_set_hot_tier_bytes": R(args={"bytes": "1 << 20"},
                                           ints={"bytes": {"0": INVALID, "UINT64_MAX": INVALID}}),
    "omendb_options_set_max_value_size": R(args={"bytes": "1 << 20"},
                                           ints={"bytes": {"((uint64_t)1 << 30) + 1": INVALID, "UINT64_MAX": INVALID}}),
    # Databases.
    "omendb_open": R(args={"path": "fx_new_path()"}, optional=("options",)),
    "omendb_close": R(consumes=("db",), null={"db": OK}),
    "omendb_put": R(args={"key": "1000", "value": "\"abc\"", "length": "3"}, sizes={"length": INPUT}),
    "omendb_delete": R(args={"key": "999"}),
    "omendb_get": R(args={"key": "20", "capacity": "64"}, sizes={"capacity": CAPACITY}, zero={"capacity": TOO_SMALL}),
    "omendb_batch_create": R(),
    "omendb_batch_free": R(consumes=("batch",)),
    "omendb_batch_put": R(args={"key": "5", "length": "3"}, sizes={"length": INPUT}),
    "omendb_batch_delete": R(args={"key": "5"}),
    "omendb_batch_clear": R(),
    "omendb_write": R(),
    "omendb_bulk_load": R(args={"count": "4"}, sizes={"count": INPUT}, elements={"lengths": INPUT}),
    # Keys of its own: its value_size = 0 call succeeds and empties their values, which
    # the fixture's keys must keep for the capacity = 0 cases of the reads below.
    "omendb_bulk_load_fixed": R(args={"keys": "(const int64_t[]){5001, 5002, 5003, 5004}", "value_size": "3",
                                      "count": "4"}, sizes={"value_size": INPUT, "count": INPUT}),
    "omendb_snapshot_open": R(),
    "omendb_snapshot_free": R(consumes=("snapshot",)),
    "omendb_snapshot_get": R(args={"key": "20"}),
    "omendb_snapshot_multi_get": R(args={"count": "4"}, optional=("found",), sizes={"count": INPUT}),
    "omendb_snapshot_multi_get_copy": R(args={"count": "4", "capacity": "64"},
                                        sizes={"count": INPUT, "capacity": CAPACITY}, zero={"capacity": TOO_SMALL}),
    # Transactions (on the shared database; a fresh one has no writes, so it commits).
    "omendb_txn_options_create": R(),
    "omendb_txn_options_free": R(consumes=("options",)),
    "omendb_txn_options_set_isolation": R(args={"level": "OMENDB_ISOLATION_REPEATABLE_READ"},
                                          ints={"level": {"-1": INVALID, "4": INVALID}}),
    "omendb_txn_options_set_read_only": R(args={"yes": "1"}, ints={"yes": {"-1": INVALID, "2": INVALID}}),
    "omendb_txn_begin": R(optional=("options",)),
    "omendb_txn_get": R(args={"key": "20", "capacity": "64"}, sizes={"capacity": CAPACITY}, zero={"capacity": TOO_SMALL}),
    "omendb_txn_get_pointer": R(args={"key": "20"}),
    "omendb_txn_put": R(args={"key": "1000", "value": "\"abc\"", "length": "3"}, sizes={"length": INPUT}),
    "omendb_txn_delete": R(args={"key": "999"}),
    # Range deletes and counts: [lo, hi) away from the fixture's keys; lo > hi is refused.
    "omendb_delete_range": R(args={"lo": "7000", "hi": "7100"}, ints={"lo": {"7101": INVALID, "INT64_MAX": INVALID}}),
    "omendb_batch_delete_range": R(args={"lo": "7000", "hi": "7100"}, ints={"lo": {"7101": INVALID}}),
    "omendb_txn_delete_range": R(args={"lo": "7000", "hi": "7100"}, ints={"lo": {"7101": INVALID}}),
    "omendb_count": R(args={"lo": "0", "hi": "100"}, ints={"lo": {"101": INVALID, "INT64_MAX": INVALID}}),
    "omendb_snapshot_count": R(args={"lo": "0", "hi": "100"}, ints={"lo": {"101": INVALID}}),
    "omendb_txn_count": R(args={"lo": "0", "hi": "100"}, ints={"lo": {"101": INVALID}}),
    "omendb_txn_iterator_create": R(),
    "omendb_txn_commit": R(),
    "omendb_txn_rollback": R(),
    "omendb_txn_free": R(consumes=("txn",)),
    # Iterators: `db` is not used when a snapshot is given.
    "omendb_iterator_create": R(optional=("db", "snapshot"), stale={"db": OK}),
    "omendb_iterator_free": R(consumes=("iterator",)),
    "omendb_iterator_set_bounds": R(args={"lower": "0", "upper": "100"},
                                    ints={"lower": {"101": INVALID, "INT64_MAX": INVALID}}),
    "omendb_iterator_seek": R(args={"key": "20"}),
    "omendb_iterator_seek_for_prev": R(args={"key": "25"}),
    "omendb_iterator_seek_first": R(),
    "omendb_iterator_seek_last": R(),
    "omendb_iterator_valid": R(returns="1", null={"it": "0"}, stale={"it": "0"}),
    "omendb_iterator_next": R(),
    "omendb_iterator_prev": R(),
    "omendb_iterator_entry": R(optional=("key", "value", "length")),
    "omendb_iterator_read": R(args={"direction": "1", "max_entries": "4", "capacity": "64"},
                              optional=("keys", "buffer"), sizes={"max_entries": CAPACITY, "capacity": CAPACITY},
                              zero={"capacity": TOO_SMALL}, ints={"direction": {"0": INVALID, "2": INVALID}}),
    "omendb_iterator_read_borrowed": R(args={"direction": "1", "max_entries": "4"}, optional=("keys",),
                                       sizes={"max_entries": CAPACITY},
                                       ints={"direction": {"0": INVALID, "2": INVALID}}),
    "omendb_iterator_refresh": R(),  # the fixture's iterators are over the database's current state
    "omendb_flush": R(),
    "omendb_compact": R(),
    "omendb_verify": R(),
    "omendb_get_stats": R(),
    # Progress callbacks and checkpoints (the baseline progress struct has no callback).
    "omendb_bulk_load_with_progress": R(args={"count": "4"}, optional=("progress",), sizes={"count": INPUT},
                                        elements={"lengths": INPUT}),
    "omendb_bulk_load_fixed_with_progress": R(args={"keys": "(const int64_t[]){5001, 5002, 5003, 5004}",
                                                    "value_size": "3", "count": "4"}, optional=("progress",),
                                              sizes={"value_size": INPUT, "count": INPUT}),
    "omendb_compact_with_progress": R(optional=("progress",)),
    "omendb_verify_with_progress": R(optional=("progress",)),
    "omendb_checkpoint": R(args={"path": "fx_new_path()", "flags": "0"}, optional=("progress", "sequence"),
                           ints={"flags": {"2": INVALID, "0x80000000u": INVALID}}),
    # Named tables: fx_make_table() is table "fx" of the shared database, holding the
    # fixture's keys; a stale table handle is one whose table was dropped.
    "omendb_table_open": R(args={"name": "\"fx\"", "flags": "OMENDB_TABLE_CREATE"}, optional=("name",),
                           ints={"flags": {"2": INVALID, "0x80000000u": INVALID}}),
    "omendb_table_drop": R(args={"name": "fx_table_to_drop()"}),
    "omendb_table_list": R(args={"names": "fx_table_list_slot()"}),
    "omendb_table_list_free": R(args={"names": "fx_table_list()"}),
    "omendb_table_name": R(),
    "omendb_table_put": R(args={"key": "1000", "value": "\"abc\"", "length": "3"}, sizes={"length": INPUT}),
    "omendb_table_delete": R(args={"key": "999"}),
    "omendb_table_get": R(args={"key": "20", "capacity": "64"}, sizes={"capacity": CAPACITY},
                          zero={"capacity": TOO_SMALL}),
    "omendb_table_delete_range": R(args={"lo": "7000", "hi": "7100"}, ints={"lo": {"7101": INVALID}}),
    "omendb_table_count": R(args={"lo": "0", "hi": "100"}, ints={"lo": {"101": INVALID}}),
    "omendb_table_bulk_load": R(args={"count": "4"}, optional=("progress",), sizes={"count": INPUT},
                                elements={"lengths": INPUT}),
    "omendb_table_bulk_load_fixed": R(args={"keys": "(const int64_t[]){5001, 5002, 5003, 5004}", "value_size": "3",
                                            "count": "4"}, optional=("progress",),
                                      sizes={"value_size": INPUT, "count": INPUT}),
    "omendb_table_get_stats": R(),
    "omendb_table_iterator_create": R(optional=("snapshot",)),
    "omendb_batch_table_put": R(args={"key": "5", "length": "3"}, sizes={"length": INPUT}),
    "omendb_batch_table_delete": R(args={"key": "5"}),
    "omendb_batch_table_delete_range": R(args={"lo": "7000", "hi": "7100"}, ints={"lo": {"7101": INVALID}}),
    "omendb_snapshot_table_get": R(args={"key": "20"}),
    "omendb_snapshot_table_multi_get": R(args={"count": "4"}, optional=("found",), sizes={"count": INPUT}),
    "omendb_snapshot_table_multi_get_copy": R(args={"count": "4", "capacity": "64"},
                                              sizes={"count": INPUT, "capacity": CAPACITY},
                                              zero={"capacity": TOO_SMALL}),
    "omendb_snapshot_table_count": R(args={"lo": "0", "hi": "100"}, ints={"lo": {"101": INVALID}}),
    "omendb_txn_table_get": R(args={"key": "20", "capacity": "64"}, sizes={"capacity": CAPACITY},
                              zero={"capacity": TOO_SMALL}),
    "omendb_txn_table_get_pointer": R(args={"key": "20"}),
    "omendb_txn_table_put": R(args={"key": "1000", "value": "\"abc\"", "length": "3"}, sizes={"length": INPUT}),
    "omendb_txn_table_delete": R(args={"key": "999"}),
    "omendb_txn_table_delete_range": R(args={"lo": "7000", "hi": "7100"}, ints={"lo": {"7101": INVALID}}),
    "omendb_txn_table_count": R(args={"lo": "0", "hi": "100"}, ints={"lo": {"101": INVALID}}),
    "omendb_txn_table_iterator_create": R(),
    # Maps and cursors.
    "omendb_map_create": R(),
    "omendb_map_create_sorted": R(args={"count": "FX_KEY_COUNT"}, sizes={"count": INPUT}),
    "omendb_map_free": R(consumes=("map",)),
    "omendb_map_put": R(args={"key": "5", "payload": "6"}, optional=("replaced",)),
    "omendb_map_get": R(args={"key": "20"}),
    "omendb_map_delete": R(args={"key": "20"}, optional=("old_payload",)),
    "omendb_map_count": R(),
    "omendb_map_range": R(args={"start": "0", "capacity": "4"}, optional=("keys", "payloads"),
                          sizes={"capacity": CAPACITY}),
    "omendb_map_cursor_create": R(),
    "omendb_map_cursor_free": R(consumes=("cursor",)),
    "omendb_map_cursor_seek": R(args={"key": "20"}),
    "omendb_map_cursor_seek_for_prev": R(args={"key": "25"}),
    "omendb_map_cursor_first": R(),
    "omendb_map_cursor_last": R(),
    "omendb_map_cursor_next": R(),
    "omendb_map_cursor_prev": R(status=NOT_FOUND),  # the fresh cursor is at the first key
    "omendb_map_cursor_get": R(optional=("key", "payload")),
    "omendb_map_get_stats": R(),
    "omendb_map_serialized_size": R(),
    "omendb_map_serialize": R(args={"capacity": "FX_BUFFER_BYTES"}, sizes={"capacity": CAPACITY},
                              zero={"capacity": TOO_LARGE}),
    "omendb_map_load": R(args={"buffer": "fx.map_bytes", "length": "fx.map_size"}, sizes={"length": INPUT},
                         zero={"length": CORRUPTION}),
}

# ---- parsing the header --------------------------------------------------------


@dataclass
class Parameter:
    name: str
    ctype: str  # normalized: single spaces, "*" attached as in "const int64_t *"


@dataclass
class Function:
    name: str
    returns: str
    parameters: List[Parameter]


def _normalize(ctype: str) -> str:
    return re.sub(r"\s*\*\s*", " *", " ".join(ctype.split())).replace("* *", "**").strip()


def parse_header(text: str) -> Tuple[List[Function], List[str], Dict[str, List[Parameter]], List[str]]:
    """The declared functions, the opaque handle types (names after "omendb_"), the
    structs (typedef name -> fields) and the names of declarations it could not
    parse (every `omendb_x(` outside comments and macros is one)."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r"^\s*#.*$", " ", text, flags=re.M)
    handles = re.findall(r"typedef\s+struct\s+omendb_(\w+)\s+omendb_\1\s*;", text)
    structs: Dict[str, List[Parameter]] = {}
    for body, name in re.findall(r"typedef\s+struct\s+\w+\s*\{(.*?)\}\s*(\w+)\s*;", text, flags=re.S):
        fields = []
        for declaration in body.split(";"):
            declaration = " ".join(declaration.split())
            if not declaration:
                continue
            match = re.match(r"(.*?)(\w+)(\[\w+\])?$", declaration)
            if match:
                fields.append(Parameter(match.group(2), _normalize(match.group(1))))
        structs[name] = fields
    functions = []
    for match in re.finditer(r"([A-Za-z_][\w\s\*]*?)\b(omendb_\w+)\s*\(([^()]*)\)\s*;", text):
        returns = _normalize(match.group(1))
        parameters = []
        raw = " ".join(match.group(3).split())
        if raw != "void":
            for piece in raw.split(","):
                name_match = re.match(r"(.*?)(\w+)$", piece.strip())
                name, ctype = (name_match.group(2), name_match.group(1)) if name_match else ("?", piece)
                parameters.append(Parameter(name, _normalize(ctype)))
        functions.append(Function(match.group(2), returns, parameters))
    parsed = {function.name for function in functions}
    unparsed = sorted(set(re.findall(r"\b(omendb_\w+)\s*\(", text)) - parsed)
    return functions, handles, structs, unparsed


# ---- classification -------------------------------------------------------------

# Element types of plain pointers: C type of a local buffer and its initial content.
POINTEES = {
    "int64_t": ("int64_t", "fx.keys[i]"),
    "uint64_t": ("uint64_t", "fx.payloads[i]"),
    "size_t": ("size_t", "3"),
    "int": ("int", "0"),
    "void": ("unsigned char", "fx.bytes[i]"),
    "const void *": ("const void *", "fx.bytes"),
    "const char *": ("const char *", "NULL"),
    "char *": ("char *", "NULL"),
    "char **": ("char **", "NULL"),
}


@dataclass
class Param:
    """A parameter with its class: handle, out_handle, struct, size, scalar or pointer."""
    name: str
    ctype: str
    kind: str
    handle: str = ""       # handle type (after "omendb_") for handle / out_handle
    struct: str = ""       # struct typedef for struct
    pointee: str = ""      # element type for pointer
    const: bool = False


def classify(function: Function, handles: Sequence[str], structs: Dict[str, List[Parameter]]) -> Tuple[List[Param], List[str]]:
    """Each parameter's class, and the problems (types the harness does not know)."""
    params, problems = [], []
    for p in function.parameters:
        t = p.ctype
        bare = t.replace("const ", "").replace(" ", "")
        handle = re.fullmatch(r"omendb_(\w+)(\*+)", bare)
        if handle and handle.group(1) in handles:
            kind = "handle" if handle.group(2) == "*" else "out_handle"
            if handle.group(1) not in KNOWN_HANDLES or len(handle.group(2)) > 2:
                problems.append(f"parameter {p.name}: handle type omendb_{handle.group(1)} has no fixture")
            params.append(Param(p.name, t, kind, handle=handle.group(1)))
        elif bare.endswith("*") and bare[:-1] in structs:
            fields = structs[bare[:-1]]
            if not fields or fields[0].name != "struct_size" or fields[0].ctype != "size_t":
                problems.append(f"parameter {p.name}: struct {bare[:-1]} does not start with size_t struct_size")
            params.append(Param(p.name, t, "struct", struct=bare[:-1], const=t.startswith("const ")))
        elif t == "size_t":
            params.append(Param(p.name, t, "size"))
        elif t in ("int", "int64_t", "uint32_t", "uint64_t"):
            params.append(Param(p.name, t, "scalar"))
        elif t.endswith("*"):
            # `const` on what the pointer points to makes the parameter an input.
            inner = t[:-1].strip()
            if inner.endswith(" const") or inner.endswith("*const"):
                pointee, const = inner[:-len("const")].strip(), True
            elif inner.startswith("const ") and not inner.endswith("*"):
                pointee, const = inner[len("const "):], True
            else:
                pointee, const = inner, False
            if pointee not in POINTEES and not (pointee == "char" and const):
                problems.append(f"parameter {p.name}: pointer type {t} is unknown to the harness")
            params.append(Param(p.name, t, "pointer", pointee=pointee, const=const))
        else:
            problems.append(f"parameter {p.name}: type {t} is unknown to the harness")
            params.append(Param(p.name, t, "unknown"))
    return params, problems


def rule_problems(function: Function, params: List[Param], rule: Rule) -> List[str]:
    names = {p.name for p in params}
    problems = []
    for what, mentioned in (("args", rule.args), ("optional", rule.optional), ("null", rule.null),
                            ("stale", rule.stale), ("sizes", rule.sizes), ("zero", rule.zero),
                            ("elements", rule.elements), ("ints", rule.ints), ("consumes", rule.consumes)):
        for name in mentioned:
            if name not in names:
                problems.append(f"its rule's {what} names parameter {name}, which it does not have")
    for p in params:
        if p.kind == "size" and rule.sizes.get(p.name) not in (INPUT, CAPACITY):
            problems.append(f"size_t parameter {p.name} has no role (input or capacity) in its rule")
        if p.kind == "pointer" and p.pointee == "size_t" and p.const and rule.elements.get(p.name) not in (INPUT, CAPACITY):
            problems.append(f"size_t array {p.name} has no element role in its rule")
        if p.kind == "pointer" and p.pointee == "char" and p.name not in rule.args:
            problems.append(f"string parameter {p.name} needs a baseline argument in its rule")
    return problems


# ---- generation -------------------------------------------------------------------


class Writer:
    def __init__(self) -> None:
        self.lines: List[str] = []

    def __call__(self, line: str = "") -> None:
        self.lines.append(line)


def c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def emit_call(w: Writer, function: Function, params: List[Param], rule: Rule, label: str,
              override: Dict[str, str], expected: str, *, stale: str = "", wrong: str = "",
              struct_size: Tuple[str, str] = ("", ""), element: Tuple[str, str] = ("", ""),
              mention: str = "") -> None:
    """One call of `function` in its own block: baseline arguments, with `override`
    replacing some; checks the status (or value) against `expected`."""
    w("    {")
    args = []
    disposals = []
    for p in params:
        expr = override.get(p.name)
        if p.kind == "handle":
            var = f"h_{p.name}"
            if p.name == stale:
                w(f"        omendb_{p.handle} *{var} = NULL;")
                args.append(var)
                continue
            if p.name == wrong:
                w(f"        void *{var} = fx_make_wrong({c_string(p.handle)});")
                args.append(f"(omendb_{p.handle} *){var}")
                continue
            if expr is not None:
                args.append(expr)
                continue
            if p.handle == "db" and p.name not in rule.consumes:
                args.append("fx.db")
                continue
            w(f"        omendb_{p.handle} *{var} = fx_make_{p.handle}();")
            args.append(var)
            if p.name not in rule.consumes:
                disposals.append(f"fx_dispose_{p.handle}({var});")
        elif p.kind == "out_handle":
            var = f"o_{p.name}"
            w(f"        omendb_{p.handle} *{var} = NULL;")
            args.append(expr if expr is not None else f"&{var}")
            disposals.append(f"if ({var} != NULL) fx_dispose_{p.handle}({var});")
        elif expr is not None or p.name in rule.args:
            args.append(expr if expr is not None else rule.args[p.name])
        elif p.kind == "struct":
            var = f"s_{p.name}"
            w(f"        {p.struct} {var};")
            w(f"        memset(&{var}, 0, sizeof {var});")
            w(f"        {var}.struct_size = {struct_size[0] or f'sizeof {var}'};")
            args.append(f"&{var}")
        elif p.kind == "pointer":
            var = f"p_{p.name}"
            ctype, init = POINTEES[p.pointee]
            count = "FX_BUFFER_BYTES" if p.pointee == "void" else "64"
            w(f"        {ctype} {var}[{count}];")
            w(f"        for (size_t i = 0; i < {count}; i++) {var}[i] = {init};")
            if element[0] == p.name:
                w(f"        {var}[1] = {element[1]};")
            args.append(var)
        else:
            args.append("0")
    if stale:
        handle = next(p.handle for p in params if p.name == stale)
        w(f"        h_{stale} = fx_stale_{handle}();")
    w("        fx_mark_error();")
    call = f"{function.name}({', '.join(args)})"
    where = c_string(f"{function.name}: {label}")
    if function.returns == "void":
        w(f"        {call};")
        if expected == "unchanged":
            w(f"        CHECK(fx_error_is_mark(), \"%s: the message changed to \\\"%s\\\"\", {where}, omendb_last_error());")
        else:
            w(f"        check_message({c_string(function.name)}, {where}, {c_string(mention)});")
    elif function.returns == "const char *":
        w(f"        const char *text = {call};")
        w(f"        CHECK(text != NULL && text[0] != '\\0', \"%s: returned an empty string\", {where});")
        if function.name != "omendb_last_error":
            w(f"        CHECK(fx_error_is_mark(), \"%s: the message changed to \\\"%s\\\"\", {where}, omendb_last_error());")
    elif rule.returns is not None:
        w(f"        int value = {call};")
        w(f"        CHECK(value == ({expected}), \"%s: returned %d, expected %d\", {where}, value, (int)({expected}));")
    else:
        w(f"        int status = {call};")
        w(f"        check_status({where}, {c_string(function.name)}, status, {expected}, {c_string(mention)});")
        # An output struct comes back with the size the library filled; an input one is only read.
        if struct_size[0] and not next(p for p in params if p.name == struct_size[1]).const:
            w(f"        if (status == OMENDB_OK) CHECK(s_{struct_size[1]}.struct_size == sizeof s_{struct_size[1]}, "
              f"\"%s: struct_size came back as %zu\", {where}, s_{struct_size[1]}.struct_size);")
        for p in params:  # outputs are written only on OMENDB_OK
            if p.kind == "out_handle" and p.name not in override:
                w(f"        if (status != OMENDB_OK) CHECK(o_{p.name} == NULL, \"%s: wrote *{p.name} on failure\", {where});")
    if wrong:
        handle = next(p.handle for p in params if p.name == wrong)
        w(f"        CHECK(fx_wrong_is_live({c_string(handle)}, h_{wrong}), \"%s: the other handle did not survive\", {where});")
        w(f"        fx_dispose_wrong({c_string(handle)}, h_{wrong});")
    for line in disposals:
        w(f"        {line}")
    w("    }")


def emit_function(w: Writer, function: Function, params: List[Param], rule: Rule) -> None:
    base = rule.returns if rule.returns is not None else rule.status
    void = function.returns == "void"
    w(f"static void conform_{function.name[len('omendb_'):]}(void) {{")
    w(f"    check_section({c_string(function.name)});")
    emit_call(w, function, params, rule, "baseline", {}, "unchanged" if void else base)
    for p in params:
        if p.kind in ("handle", "out_handle", "struct", "pointer"):
            if void:
                expected = "unchanged"
            elif p.name in rule.null:
                expected = rule.null[p.name]
            elif p.name in rule.optional:
                expected = base
            else:
                expected = INVALID
            emit_call(w, function, params, rule, f"{p.name} = NULL", {p.name: "NULL"}, expected,
                      mention="" if expected != INVALID else "NULL")
        if p.kind == "handle":
            expected = rule.stale.get(p.name, MISUSE)
            mention = "freed" if expected == MISUSE or void else ""
            emit_call(w, function, params, rule, f"{p.name} freed", {}, expected, stale=p.name, mention=mention)
            emit_call(w, function, params, rule, f"{p.name} of another type", {}, expected, wrong=p.name,
                      mention=mention)
        if p.kind == "size":
            role = rule.sizes[p.name]
            emit_call(w, function, params, rule, f"{p.name} = 0", {p.name: "0"}, rule.zero.get(p.name, base))
            for value, decimal in HUGE_SIZES:
                expected = TOO_LARGE if role == INPUT else base
                emit_call(w, function, params, rule, f"{p.name} = {decimal}", {p.name: value}, expected,
                          mention=decimal if expected == TOO_LARGE else "")
        if p.kind == "struct":
            emit_call(w, function, params, rule, f"{p.name}->struct_size = 0", {}, INVALID, struct_size=("0", p.name),
                      mention="struct_size is 0")
            for value, decimal in HUGE_SIZES:
                emit_call(w, function, params, rule, f"{p.name}->struct_size = {decimal}", {}, base,
                          struct_size=(value, p.name))
        if p.kind == "pointer" and p.name in rule.elements:
            for value, decimal in HUGE_SIZES:
                expected = TOO_LARGE if rule.elements[p.name] == INPUT else base
                emit_call(w, function, params, rule, f"{p.name}[1] = {decimal}", {}, expected, element=(p.name, value),
                          mention=decimal if expected == TOO_LARGE else "")
        for value, status in rule.ints.get(p.name, {}).items():
            emit_call(w, function, params, rule, f"{p.name} = {value}", {p.name: value}, status or base)
    w("}")
    w()


PRELUDE = r'''/* Generated by Tests/c/abi/generate_conformance.py from omendb.h: do not edit. */
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "omendb.h"
#include "check.h"
#include "fixture.h"

/* A failed call's message: new (not the marker), starts with "<function>: ", says
 * something, and mentions `mention` when given. */
static void check_message(const char *function, const char *where, const char *mention) {
    const char *message = omendb_last_error();
    size_t length = strlen(function);
    CHECK(!fx_error_is_mark(), "%s: failed without recording a message", where);
    CHECK(strncmp(message, function, length) == 0 && message[length] == ':' && strlen(message) > length + 3,
          "%s: message \"%s\" does not start with the function's name and say what failed", where, message);
    if (mention[0] != '\0')
        CHECK(strstr(message, mention) != NULL, "%s: message \"%s\" does not mention \"%s\"", where, message, mention);
}

static void check_status(const char *where, const char *function, int status, int expected, const char *mention) {
    CHECK(status == expected, "%s: returned %d (%s), expected %d (%s); message: %s", where, status,
          omendb_status_string(status), expected, omendb_status_string(expected), omendb_last_error());
    if (status == OMENDB_OK || status == OMENDB_NOT_FOUND)
        CHECK(fx_error_is_mark(), "%s: succeeded but changed the message to \"%s\"", where, omendb_last_error());
    else
        check_message(function, where, mention);
}
'''


def generate(header_text: str) -> Tuple[str, List[str]]:
    """The C source, and the problems found (each also a failing check in the source)."""
    functions, handles, structs, unparsed = parse_header(header_text)
    w = Writer()
    w(PRELUDE)
    problems = [f"{name}: declared in omendb.h in a form the generator cannot parse" for name in unparsed]
    covered = []
    for function in functions:
        params, type_problems = classify(function, handles, structs)
        rule = RULES.get(function.name)
        found = type_problems + ([] if rule is None else rule_problems(function, params, rule))
        if rule is None:
            found.insert(0, "declared in omendb.h but has no rule in Tests/c/abi/generate_conformance.py")
        if found:
            problems += [f"{function.name}: {problem}" for problem in found]
            continue
        emit_function(w, function, params, rule)  # type: ignore[arg-type]
        covered.append(function.name)
    declared = {f.name for f in functions}
    problems += [f"{name}: has a rule but omendb.h does not declare it" for name in RULES if name not in declared]
    w("int main(void) {")
    w("    if (fx_setup() != 0) return 2;")
    for name in covered:
        w(f"    conform_{name[len('omendb_'):]}();")
    w("    check_section(\"completeness\");")
    w(f"    printf(\"%d functions declared in omendb.h, %d covered\\n\", {len(functions)}, {len(covered)});")
    for problem in problems:
        w(f"    CHECK(0, \"%s\", {c_string(problem)});")
    w("    fx_teardown();")
    w("    return check_summary();")
    w("}")
    return "\n".join(w.lines) + "\n", problems


def self_test(header_path: str) -> int:
    """The real header has no problem, and each way of falling behind it is reported
    (as a failing check in the generated program)."""
    text = open(header_path, encoding="utf-8").read()
    probe = "int omendb_conformance_probe(omendb_db *db, size_t count);"
    cases = [
        # (what, declarations added to the header, rules replaced, expected problem)
        ("a function without a rule", probe, {}, "omendb_conformance_probe: declared in omendb.h but has no rule"),
        ("a parameter type the harness does not know", "int omendb_conformance_probe(omendb_db *db, float x);",
         {"omendb_conformance_probe": Rule()}, "omendb_conformance_probe: parameter x: type float is unknown"),
        ("a handle type without a fixture",
         "typedef struct omendb_thing omendb_thing;\nint omendb_conformance_probe(omendb_thing *thing);",
         {"omendb_conformance_probe": Rule()}, "omendb_conformance_probe: parameter thing: handle type omendb_thing"),
        ("a size_t without a role", probe, {"omendb_conformance_probe": Rule()},
         "omendb_conformance_probe: size_t parameter count has no role"),
        ("a rule naming a missing parameter", "", {"omendb_get": Rule(args=RULES["omendb_get"].args, optional=("nope",),
                                                                      sizes=RULES["omendb_get"].sizes)},
         "omendb_get: its rule's optional names parameter nope"),
        ("a rule for a function the header lacks", "", {"omendb_conformance_gone": Rule()},
         "omendb_conformance_gone: has a rule but omendb.h does not declare it"),
        ("a declaration it cannot parse", "int omendb_conformance_probe(void (*callback)(int));", {},
         "omendb_conformance_probe: declared in omendb.h in a form the generator cannot parse"),
    ]
    failures = 0
    source, problems = generate(text)
    if problems or "CHECK(0," in source:
        print("FAIL - the header has problems:\n  " + "\n  ".join(problems))
        failures += 1
    else:
        print("ok   - every function of the header is classified")
    for what, declarations, rules, expected in cases:
        saved = dict(RULES)
        RULES.update(rules)
        try:
            source, problems = generate(text.replace("#ifdef __cplusplus\n}", declarations + "\n#ifdef __cplusplus\n}"))
        finally:
            RULES.clear()
            RULES.update(saved)
        if any(problem.startswith(expected) for problem in problems) and f'CHECK(0, "%s", "{expected}' in source:
            print(f"ok   - reported: {what}")
        else:
            print(f"FAIL - not reported: {what} (problems: {problems})")
            failures += 1
    print(f"{len(cases) + 1 - failures} passed, {failures} failed")
    return 1 if failures else 0


def main(argv: List[str]) -> int:
    if len(argv) == 3 and argv[1] == "--self-test":
        return self_test(argv[2])
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    source, problems = generate(open(argv[1], encoding="utf-8").read())
    for problem in problems:
        print(f"generate_conformance.py: {problem}", file=sys.stderr)
    with open(argv[2], "w", encoding="utf-8") as out:
        out.write(source)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
