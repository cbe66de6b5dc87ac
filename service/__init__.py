"""ClusterBridge's web service: the JSON API and web pages over :mod:`matcher`."""
