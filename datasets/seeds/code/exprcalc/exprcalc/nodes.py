"""The syntax tree."""


class Node:
    __slots__ = ()

    def __eq__(self, other):
        return type(self) is type(other) and all(getattr(self, s) == getattr(other, s) for s in self.__slots__)

    def __hash__(self):
        return hash((type(self).__name__,) + tuple(getattr(self, s) for s in self.__slots__))

    def __repr__(self):
        return f"{type(self).__name__}(" + ", ".join(repr(getattr(self, s)) for s in self.__slots__) + ")"


class Num(Node):
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class Var(Node):
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


class Unary(Node):
    __slots__ = ("op", "operand")

    def __init__(self, op, operand):
        self.op = op
        self.operand = operand


class Binary(Node):
    __slots__ = ("op", "left", "right")

    def __init__(self, op, left, right):
        self.op = op
        self.left = left
        self.right = right


class Call(Node):
    __slots__ = ("name", "args")

    def __init__(self, name, args):
        self.name = name
        self.args = tuple(args)
