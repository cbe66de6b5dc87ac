"""What suggestions became: feedback marks and the funnel, per-cluster tokens, alert records.

Records and pure rules only; running the matcher for a follow run lives in
``matcher.analysis.follow``, persisting them in ``matcher.store``.
"""
