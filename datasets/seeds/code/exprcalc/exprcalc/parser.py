"""A Pratt parser: precedence climbing with right-associative power."""
from .lexer import tokenize
from .nodes import Num, Var, Unary, Binary, Call


class ParseError(ValueError):
    pass


# binding powers: (left, right); power binds to the right and above unary minus on its left
INFIX = {"+": (10, 11), "-": (10, 11), "*": (20, 21), "/": (20, 21), "%": (20, 21), "**": (41, 40)}
PREFIX_POWER = 30


class Parser:
    def __init__(self, text):
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self):
        return self.tokens[self.i]

    def next(self):
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, kind):
        tok = self.next()
        if tok.kind != kind:
            raise ParseError(f"expected {kind} at {tok.pos}, got {tok.kind} {tok.text!r}")
        return tok

    def expression(self, min_power=0):
        left = self.prefix()
        while True:
            tok = self.peek()
            if tok.kind != "op" or tok.text not in INFIX:
                break
            lbp, rbp = INFIX[tok.text]
            if lbp < min_power:
                break
            self.next()
            right = self.expression(rbp)
            left = Binary(tok.text, left, right)
        return left

    def prefix(self):
        tok = self.next()
        if tok.kind == "num":
            value = float(tok.text)
            return Num(int(value) if value.is_integer() and "." not in tok.text and "e" not in tok.text.lower() else value)
        if tok.kind == "name":
            if self.peek().kind == "lparen":
                self.next()
                args = []
                if self.peek().kind != "rparen":
                    args.append(self.expression())
                    while self.peek().kind == "comma":
                        self.next()
                        args.append(self.expression())
                self.expect("rparen")
                return Call(tok.text, args)
            return Var(tok.text)
        if tok.kind == "op" and tok.text in ("-", "+"):
            operand = self.expression(PREFIX_POWER)
            return operand if tok.text == "+" else Unary("-", operand)
        if tok.kind == "lparen":
            inner = self.expression()
            self.expect("rparen")
            return inner
        raise ParseError(f"unexpected {tok.kind} {tok.text!r} at {tok.pos}")


def parse(text):
    p = Parser(text)
    tree = p.expression()
    if p.peek().kind != "end":
        tok = p.peek()
        raise ParseError(f"unexpected {tok.text!r} at {tok.pos}")
    return tree
