"""A Redis cache that degrades to "always a miss" while Redis is unreachable.

Pages use the cache only to go faster (fragment caching, export progress), so a Redis outage
must cost speed, never a page: every failure is logged and answered as a miss or a no-op.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _tolerant(method, fallback):
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (RedisError, OSError):
            logger.warning("Cache unavailable for %s; carrying on without it", method.__name__)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

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
