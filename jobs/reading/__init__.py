"""Reading batches: which input files are batches, and each file's records, one per abstract.

`batches` finds the batches in the input folders; `scan` makes one pass over a file's bytes (its
hash, its lines, whether it is text) before it is read; `records` reads the file's records
(`decoding` makes its text) with the reader of its format. Each input format is one module of
`formats`, registered in `INPUT_FORMATS`; what the reference exports share is in `exports`.
"""

from .batches import OwnOutputs, file_identity, find_batches
from .decoding import decode
from .formats import INPUT_FORMATS, InputFormat, citation_formats, format_by_content, format_by_suffix
from .formats.jsonl import MAX_DEPTH
from .records import read_file_records, read_records
from .scan import InputScan, scan_input
from .source import UNSAFE_NAME_RE, BatchSource, RecordError, SourceRecord

__all__ = [
    "INPUT_FORMATS",
    "MAX_DEPTH",
    "UNSAFE_NAME_RE",
    "BatchSource",
    "InputFormat",
    "InputScan",
    "OwnOutputs",
    "RecordError",
    "SourceRecord",
    "citation_formats",
    "decode",
    "file_identity",
    "find_batches",
    "format_by_content",
    "format_by_suffix",
    "read_file_records",
    "read_records",
    "scan_input",
]
