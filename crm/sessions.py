"""Sessions with REDIS_URL: Django's `cached_db` (the database keeps them, Redis answers the reads),
with the copy in Redis kept at most `CACHE_SECONDS`.

`cached_db` saves every session to the database and reads it from the cache, falling back to the
database on a miss, so a Redis outage (`crm.cache` answers misses) costs speed, never a login. But
a session ended while Redis could not be told (a logout during an outage, its cache delete lost)
would still be answered from a copy Redis kept for the session's whole age, two weeks: capped,
that copy outlives the logout by at most ten minutes, at the price of one database read per
session every ten minutes.
"""

from django.contrib.sessions.backends import cached_db

CACHE_SECONDS = 600


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _ShortLived(self._cache)


class _ShortLived:
    """The cache, with every copy it is given kept at most CACHE_SECONDS."""

    def __init__(self, cache):
        self._cache = cache

    def __getattr__(self, name):
        return getattr(self._cache, name)

    def __contains__(self, key):
        return key in self._cache

    def set(self, key, value, timeout=None, version=None):
        timeout = CACHE_SECONDS if timeout is None else min(timeout, CACHE_SECONDS)
        return self._cache.set(key, value, timeout, version)
