"""Experiments at scale: designs (which points), executors (where), a resumable store (what
survives).

Import from the submodules: `experiments.sweep.run_sweep`, `experiments.breakeven.find_breakeven`,
`experiments.executors.make_executor`. Kept empty so that importing one part never imports Dask.
"""
