"""Scripts that rerun the fit of a default to a published figure: `python -m recoverysim.fits.<name>`."""
