"""Analyses that run the matcher over the whole catalogue: ``coverage`` (fields x world regions
and their gaps), ``network`` (the partnership network), ``follow`` (snapshots of each German
cluster's suggestions for alerts).
"""
