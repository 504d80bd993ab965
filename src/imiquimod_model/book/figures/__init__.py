"""The figures the chapters show: one module per chapter, named after it.

Each module composes the science modules into what its chapter draws (explorer specs for
:class:`~imiquimod_model.book.explorers.Explorer`, fixed figures, table rows). A chapter
imports its own module as ``figures`` and shows an explorer in one line,
``show(figures.TUMOUR)``.
"""

from __future__ import annotations

from . import adaptive, cream_to_receptor, killers, outcomes, signalling

#: Every explorer the book shows; tests and benchmarks iterate over this.
ALL_EXPLORERS = (
    cream_to_receptor.CREAM_TO_RECEPTOR,
    signalling.TOLERANCE_AND_PRIMING,
    signalling.KNOCKOUTS,
    killers.TUMOUR,
    killers.CCL2_RECRUITMENT,
    adaptive.INNATE_AND_ADAPTIVE,
    adaptive.RECURRENCE,
    outcomes.VIRTUAL_TRIAL,
    outcomes.TRIAL_DESIGN,
    outcomes.COMPARISON,
)
