"""Scripts that rerun the fit of each tuned default: python -m recoverysim.fits.<name>."""
