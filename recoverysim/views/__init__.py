"""What users see of stored results: figures, the HTML report, the what-if page and one customer's
journey.

Views read stored results (or rerun one replication, for a journey) and never change them.
"""
