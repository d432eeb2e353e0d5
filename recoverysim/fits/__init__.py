"""Scripts that rerun the fits of tuned defaults: `python -m recoverysim.fits.<name>` prints fitted
values and fit tables."""
