"""Statistics used across acsi that belong to no estimator: the power of a path's test.

Examples
--------
>>> from acsi.stats import path_power
>>> round(path_power(0.15, 54, 4), 4)
0.7967
"""

from __future__ import annotations

from acsi.stats.power import inverse_sqrt_min_n, n_for_power, path_power, z_test_n_for_power, z_test_power

__all__ = ["path_power", "n_for_power", "inverse_sqrt_min_n", "z_test_power", "z_test_n_for_power"]
