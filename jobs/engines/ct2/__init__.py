"""The `ct2` engine: CTranslate2 translator folders (OPUS-MT, NLLB-200, M2M-100, MADLAD-400), added with `digest models add`.

One module a job:

- `layouts`: telling the families apart by their files, and each one's language tokens;
- `tokens`: the model's own SentencePiece files, sentences to tokens and back;
- `models`: the model store: adding a folder (copied in, checked by loading it in a child process),
  listing, finding the model for a pair, removing;
- `engine`: the `Ct2Engine` that loads an installed model and translates with it.
"""

from __future__ import annotations

from .engine import Ct2Engine

__all__ = ["Ct2Engine"]
