"""A Redis cache that degrades to "always a miss" while Redis is unreachable.

Pages use the cache only to go faster (sessions' reads, fragments, export progress), so a Redis
outage must cost speed, never a page: every failure is logged and answered as a miss or a no-op.
After a failure the process leaves Redis alone for `RETRY_AFTER` seconds: a Redis that hangs
rather than refuses would otherwise cost every call its socket timeout (0.5 s), and sessions ask
on every request.
"""

import logging
from time import monotonic

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0  # seconds
_unreachable_until: dict[tuple[str, ...], float] = {}  # per Redis location, for every thread of the process


def _tolerant(method, fallback):
    def answer(*args, **kwargs):
        return fallback(*args, **kwargs) if callable(fallback) else fallback

    def call(self, *args, **kwargs):
        location = tuple(self._servers)
        if monotonic() < _unreachable_until.get(location, 0.0):
            return answer(*args, **kwargs)
        try:
            return method(self, *args, **kwargs)
        except (RedisError, OSError):
            _unreachable_until[location] = monotonic() + RETRY_AFTER
            logger.warning("Cache unavailable for %s; carrying on without it for %s s", method.__name__, RETRY_AFTER)
            return answer(*args, **kwargs)

    call.__name__ = method.__name__
    return call


class ResilientRedisCache(RedisCache):
    get = _tolerant(RedisCache.get, lambda key, default=None, version=None: default)
    get_many = _tolerant(RedisCache.get_many, {})
    set = _tolerant(RedisCache.set, None)
    set_many = _tolerant(RedisCache.set_many, lambda data, *args, **kwargs: list(data))
    add = _tolerant(RedisCache.add, False)
    delete = _tolerant(RedisCache.delete, False)
    delete_many = _tolerant(RedisCache.delete_many, None)
    touch = _tolerant(RedisCache.touch, False)
    incr = _tolerant(RedisCache.incr, None)
    has_key = _tolerant(RedisCache.has_key, False)
    clear = _tolerant(RedisCache.clear, False)
