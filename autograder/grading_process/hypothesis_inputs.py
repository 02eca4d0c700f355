"""The grading tests' inputs come from the tests and Hypothesis alone.

Hypothesis mixes into what it draws (about one draw in twenty) constants it finds in the source
of every "local" module loaded, any module outside the standard library and site-packages. In
the grading process those are the harness's own modules and whatever `sitecustomize` the
machine has: the inputs a student's function is given would change with an edit of the
harness's messages, or differ between an instructor's machine and Gradescope, and reading those
sources costs the first test about 45 ms. Once the tests are collected, `ignore_loaded_modules`
marks every module loaded so far as seen by Hypothesis's constant search (modules the tests
import later are still searched, as Hypothesis would; the tests' own files never are).
"""
from __future__ import annotations

import sys

PROVIDERS = "hypothesis.internal.conjecture.providers"


def ignore_loaded_modules() -> bool:
    """Hypothesis draws no constants from the modules loaded now; False when the tests did not
    import Hypothesis, or this Hypothesis has no such search (older versions) or keeps it
    elsewhere."""
    providers = sys.modules.get(PROVIDERS)
    seen = getattr(providers, "_seen_modules", None)
    if not isinstance(seen, set):
        return False
    seen.update(id(module) for module in list(sys.modules.values()))
    return True
