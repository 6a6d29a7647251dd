"""Reading batches: which input files are batches, and each file's records, one per abstract.

`batches` finds the batches in the input folders; `scan` makes one pass over a file's bytes (its
hash, its lines, whether it is text) before it is read; `records` reads the file's records.
"""

from .batches import OwnOutputs, file_identity, find_batches
from .records import (
    JSONL_SUFFIXES,
    MAX_DEPTH,
    SIMILAR_LITERATURE_MARKER,
    UNSAFE_NAME_RE,
    BatchSource,
    RecordError,
    SourceRecord,
    decode,
    read_file_records,
    read_records,
)
from .scan import MAX_INPUT_BYTES, InputScan, scan_input

__all__ = [
    "JSONL_SUFFIXES",
    "MAX_DEPTH",
    "MAX_INPUT_BYTES",
    "SIMILAR_LITERATURE_MARKER",
    "UNSAFE_NAME_RE",
    "BatchSource",
    "InputScan",
    "OwnOutputs",
    "RecordError",
    "SourceRecord",
    "decode",
    "file_identity",
    "find_batches",
    "read_file_records",
    "read_records",
    "scan_input",
]
