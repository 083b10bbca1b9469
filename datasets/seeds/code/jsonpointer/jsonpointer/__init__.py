"""JSON Pointer (RFC 6901) and JSON Patch (RFC 6902) for dicts and lists."""
from .pointer import JsonPointer, PointerError, escape, unescape
from .patch import apply_patch, make_patch, PatchError, PatchTestFailed

__all__ = ["JsonPointer", "PointerError", "escape", "unescape", "apply_patch", "make_patch", "PatchError", "PatchTestFailed"]
