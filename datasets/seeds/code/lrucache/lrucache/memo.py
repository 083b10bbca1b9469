"""A memoizing decorator backed by an LRU cache."""
import functools

from .lru import LRUCache


def _make_key(args, kwargs, typed):
    key = args
    if kwargs:
        key += (_KWMARK,) + tuple(sorted(kwargs.items()))
    if typed:
        key += tuple(type(a) for a in args) + tuple(type(v) for _, v in sorted(kwargs.items()))
    return key


_KWMARK = object()


def memoize(maxsize=128, typed=False):
    """Caches results by arguments; wrapper.cache is the LRUCache, wrapper.cache_clear() empties it."""

    def decorate(fn):
        cache = LRUCache(maxsize)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            key = _make_key(args, kwargs, typed)
            sentinel = wrapper
            value = cache.get(key, sentinel)
            if value is not sentinel:
                return value
            value = fn(*args, **kwargs)
            cache.put(key, value)
            return value

        wrapper.cache = cache
        wrapper.cache_clear = cache.clear
        return wrapper

    return decorate
