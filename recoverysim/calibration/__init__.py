"""Calibrate the behaviour to observed figures and carry the parameter uncertainty into the verdict.

Modules, one job each:
- `targets`: the targets file (YAML) or a firm's claims CSV, read into `Target`s; what the
  simulation gives for a target, and the discrepancy (binomial, normal, Poisson) between the two.
  Behind it: `target_types` (Target, TargetSet, the figures a target may name), `target_file`
  (the YAML schema and its messages) and `claims_csv` (the CSV rule).
- `abc`: likelihood-free Bayesian calibration (ABC-SMC with pyabc) of named scenario fields,
  deterministic for a seed whatever the executor or the number of workers, resumable.
- `outputs`: the posterior sample, the fit table, the parameter table (identifiability), the
  figures and the calibrated scenario file of a calibration folder.
- `posterior`: read a calibration folder and draw parameter sets from it, for `run --posterior`.
- `best`: the probability that each policy is best on value_total_eur over the drawn sets and
  randomness.
"""
