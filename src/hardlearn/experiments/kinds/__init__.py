"""The built-in task kinds, one module each.

=============== ===========================================================================
module          kind
=============== ===========================================================================
``selftest``    test-only: one number from the trial's generator (engine tests, benchmark)
``learn``       regression advantage of a learner (mathematics section 1); MLP trials batched
``distinguish`` advantage of the learner-based CLWE distinguisher (mathematics section 4)
``attack``      lattice recovery of the secret from exact samples (mathematics section 5)
``threshold``   largest noise at which the lattice attack still succeeds (bisection)
``suite``       test MSE and advantage of a learner on a written suite instance
=============== ===========================================================================

A new kind is a module here that builds one :class:`~hardlearn.experiments.framework.TaskKind`
and is listed in :data:`BUILTIN_KINDS` (or, outside the package, is passed to
:func:`~hardlearn.experiments.registry.register_task_kind`).
"""

from __future__ import annotations

from hardlearn.experiments.kinds.attack import ATTACK
from hardlearn.experiments.kinds.distinguish import DISTINGUISH
from hardlearn.experiments.kinds.learn import LEARN
from hardlearn.experiments.kinds.selftest import SELFTEST
from hardlearn.experiments.kinds.suite import SUITE
from hardlearn.experiments.kinds.threshold import THRESHOLD

__all__ = ["BUILTIN_KINDS"]

#: The kinds the registry starts with.
BUILTIN_KINDS = (SELFTEST, LEARN, DISTINGUISH, ATTACK, THRESHOLD, SUITE)
