"""The `argos` engine: Argos Translate packages, installed in the models folder and run through CTranslate2.

One module a job:

- `package_file`: checking an `.argosmodel` file (a zip from outside) member by member, and unpacking it;
- `models`: the model store: installing a package (checked by loading it in a child process),
  listing, removing, the packages dropped into the models folder, and argostranslate's package module;
- `engine`: the `ArgosEngine` that loads an installed package and translates with it.
"""

from __future__ import annotations

from ..neural import cuda_devices, resolve_device
from .engine import ArgosEngine

__all__ = ["ArgosEngine", "cuda_devices", "resolve_device"]
