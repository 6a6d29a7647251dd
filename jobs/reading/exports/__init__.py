"""What the reference-export formats (in `..formats`) share.

`reference` is the `Reference` every reader gives back, the rule that makes it a record or a
RecordError, and `reference_export`, which makes a reader of references an input format; `lines`
cuts an export's lines into references, `fields` makes a field's text a citation part, `keyed`
reads the formats of one "key value" field a line by their layouts, and `latex` makes BibTeX's
LaTeX text.
"""
