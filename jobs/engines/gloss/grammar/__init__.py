"""The grammar of academic Chinese that a word list cannot give, as passes over a sentence's tokens.

`passes.apply_grammar` runs them in order and says which rule each Chinese word gets; each rule is
one module: `headings`, `numbers` (units, types, counts), `plurals`, `patients` (肺癌患者 "patients
with lung cancer"), `verbs` (tense, infinitives, adverbs), `circumpositions` (and comparisons),
`of_phrases` (A的B "the B of A"), `clauses` (a reporting verb's "that", fronted time words), `lists`,
`articles` and `modifiers` (relational adjectives). `sentence.Sentence` is what they read and write.
"""

from __future__ import annotations

from .passes import apply_grammar

__all__ = ["apply_grammar"]
