"""Parsing, resolving and editing with JSON Pointers."""


class PointerError(LookupError):
    """A pointer that is malformed or does not resolve."""


def escape(token):
    """'~' -> '~0' and '/' -> '~1', in that order."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token):
    """The inverse of escape: '~1' -> '/', then '~0' -> '~'."""
    out = []
    i = 0
    while i < len(token):
        c = token[i]
        if c == "~":
            if i + 1 >= len(token) or token[i + 1] not in "01":
                raise PointerError(f"bad escape in token {token!r}")
            out.append("~" if token[i + 1] == "0" else "/")
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


_MISSING = object()


class JsonPointer:
    __slots__ = ("tokens",)

    def __init__(self, text=""):
        if isinstance(text, (list, tuple)):
            self.tokens = [str(t) for t in text]
            return
        if text == "":
            self.tokens = []
        elif not text.startswith("/"):
            raise PointerError(f"a pointer must be empty or start with '/': {text!r}")
        else:
            self.tokens = [unescape(t) for t in text[1:].split("/")]

    @classmethod
    def from_tokens(cls, tokens):
        return cls(list(tokens))

    def __str__(self):
        return "".join("/" + escape(t) for t in self.tokens)

    def __repr__(self):
        return f"JsonPointer({str(self)!r})"

    def __eq__(self, other):
        return isinstance(other, JsonPointer) and self.tokens == other.tokens

    def __hash__(self):
        return hash(tuple(self.tokens))

    def parent(self):
        if not self.tokens:
            raise PointerError("the root has no parent")
        return JsonPointer.from_tokens(self.tokens[:-1])

    def last(self):
        if not self.tokens:
            raise PointerError("the root has no last token")
        return self.tokens[-1]

    def child(self, token):
        return JsonPointer.from_tokens(self.tokens + [str(token)])

    def is_prefix_of(self, other):
        return len(self.tokens) <= len(other.tokens) and other.tokens[: len(self.tokens)] == self.tokens

    @staticmethod
    def list_index(token, length, allow_end):
        """The list index a token names: decimal without leading zeros, or '-' (one past the end)."""
        if token == "-":
            if allow_end:
                return length
            raise PointerError("'-' names no existing element")
        if not token.isdigit() or (len(token) > 1 and token[0] == "0"):
            raise PointerError(f"bad list index {token!r}")
        index = int(token)
        limit = length if allow_end else length - 1
        if index > limit:
            raise PointerError(f"index {index} is out of range for a list of {length}")
        return index

    def resolve(self, doc, default=_MISSING):
        node = doc
        for token in self.tokens:
            try:
                if isinstance(node, dict):
                    if token not in node:
                        raise PointerError(f"no member {token!r} at {self}")
                    node = node[token]
                elif isinstance(node, list):
                    node = node[self.list_index(token, len(node), False)]
                else:
                    raise PointerError(f"cannot descend into {type(node).__name__} at {self}")
            except PointerError:
                if default is not _MISSING:
                    return default
                raise
        return node

    def exists(self, doc):
        return self.resolve(doc, _MISSING_SENTINEL) is not _MISSING_SENTINEL

    def container(self, doc):
        """The parent node and the last token (for edits)."""
        return self.parent().resolve(doc), self.last()

    def set(self, doc, value, insert=False):
        """Sets the target (insert=True inserts into lists instead of replacing). Returns the document."""
        if not self.tokens:
            return value
        parent, token = self.container(doc)
        if isinstance(parent, dict):
            parent[token] = value
        elif isinstance(parent, list):
            index = self.list_index(token, len(parent), insert)
            if insert:
                parent.insert(index, value)
            else:
                parent[index] = value
        else:
            raise PointerError(f"cannot set inside {type(parent).__name__}")
        return doc

    def remove(self, doc):
        """Removes the target and returns the removed value."""
        if not self.tokens:
            raise PointerError("cannot remove the root")
        parent, token = self.container(doc)
        if isinstance(parent, dict):
            if token not in parent:
                raise PointerError(f"no member {token!r} to remove")
            return parent.pop(token)
        if isinstance(parent, list):
            return parent.pop(self.list_index(token, len(parent), False))
        raise PointerError(f"cannot remove from {type(parent).__name__}")


_MISSING_SENTINEL = object()


def walk(doc, prefix=None):
    """Every (pointer, value) pair of the document, depth first, the root first."""
    prefix = prefix or JsonPointer()
    yield prefix, doc
    if isinstance(doc, dict):
        for key in sorted(doc):
            yield from walk(doc[key], prefix.child(key))
    elif isinstance(doc, list):
        for i, item in enumerate(doc):
            yield from walk(item, prefix.child(i))


def flatten(doc):
    """{pointer text: leaf value} for every scalar and empty container of the document."""
    out = {}
    for pointer, value in walk(doc):
        if not isinstance(value, (dict, list)) or not value:
            out[str(pointer)] = value
    return out


def unflatten(flat):
    """Rebuilds a document from flatten's output (lists where all keys of a level are 0..n-1)."""
    if "" in flat:
        return flat[""]
    tree = {}
    for text, value in sorted(flat.items()):
        tokens = JsonPointer(text).tokens
        node = tree
        for token in tokens[:-1]:
            node = node.setdefault(token, {})
        node[tokens[-1]] = value

    def listify(node):
        if not isinstance(node, dict) or not node:
            return node
        keys = list(node)
        if all(k.isdigit() for k in keys) and sorted(int(k) for k in keys) == list(range(len(keys))):
            return [listify(node[str(i)]) for i in range(len(keys))]
        return {k: listify(v) for k, v in node.items()}

    return listify(tree)
