"""Turns source text into tokens: numbers, names, operators and parentheses."""


class LexError(ValueError):
    pass


class Token:
    __slots__ = ("kind", "text", "pos")

    def __init__(self, kind, text, pos):
        self.kind = kind  # "num", "name", "op", "lparen", "rparen", "comma", "end"
        self.text = text
        self.pos = pos

    def __eq__(self, other):
        return isinstance(other, Token) and (self.kind, self.text) == (other.kind, other.text)

    def __repr__(self):
        return f"Token({self.kind}, {self.text!r})"


OPERATORS = ("**", "+", "-", "*", "/", "%", "^")


def tokenize(text):
    tokens = []
    i = 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c.isdigit() or (c == "." and i + 1 < len(text) and text[i + 1].isdigit()):
            start = i
            seen_dot = False
            while i < len(text) and (text[i].isdigit() or (text[i] == "." and not seen_dot)):
                seen_dot = seen_dot or text[i] == "."
                i += 1
            if i < len(text) and text[i] in "eE":
                j = i + 1
                if j < len(text) and text[j] in "+-":
                    j += 1
                if j < len(text) and text[j].isdigit():
                    i = j
                    while i < len(text) and text[i].isdigit():
                        i += 1
            tokens.append(Token("num", text[start:i], start))
            continue
        if c.isalpha() or c == "_":
            start = i
            while i < len(text) and (text[i].isalnum() or text[i] == "_"):
                i += 1
            tokens.append(Token("name", text[start:i], start))
            continue
        matched = next((op for op in OPERATORS if text.startswith(op, i)), None)
        if matched:
            tokens.append(Token("op", "**" if matched == "^" else matched, i))
            i += len(matched)
            continue
        kinds = {"(": "lparen", ")": "rparen", ",": "comma"}
        if c in kinds:
            tokens.append(Token(kinds[c], c, i))
            i += 1
            continue
        raise LexError(f"unexpected character {c!r} at {i}")
    tokens.append(Token("end", "", len(text)))
    return tokens
