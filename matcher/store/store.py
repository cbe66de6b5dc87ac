"""The service database as one object: every concern's rows over one back-end's connections."""

from __future__ import annotations

from .follow import FollowRows
from .outcomes import FeedbackRows, TokenRows
from .profiles import ProfileRows
from .windows import RateWindows


class Store(ProfileRows, FeedbackRows, TokenRows, FollowRows, RateWindows):
    """The service database: profiles and relationships, feedback, tokens, the follow state and
    write-rate windows. A back-end (SQLite, PostgreSQL) subclasses it and supplies the hooks of
    :class:`~matcher.store.base.StoreBase`."""


#: The name the store had while it held only profiles; kept for callers and tests.
ProfileStore = Store
