"""Printing with minimal parentheses, and algebraic simplification."""
from .nodes import Num, Var, Unary, Binary, Call
from .parser import INFIX, PREFIX_POWER


def to_text(tree):
    return _text(tree, 0)


def _text(tree, context):
    if isinstance(tree, Num):
        return repr(tree.value) if isinstance(tree.value, float) else str(tree.value)
    if isinstance(tree, Var):
        return tree.name
    if isinstance(tree, Call):
        return tree.name + "(" + ", ".join(_text(a, 0) for a in tree.args) + ")"
    if isinstance(tree, Unary):
        s = "-" + _text(tree.operand, PREFIX_POWER)
        return f"({s})" if context > PREFIX_POWER else s
    lbp, rbp = INFIX[tree.op]
    left = _text(tree.left, lbp + 1 if tree.op != "**" else lbp + 1)
    right = _text(tree.right, rbp)
    s = f"{left} {tree.op} {right}"
    return f"({s})" if context > lbp else s


def simplify(tree):
    """Folds constants and applies identities (x+0, x*1, x*0, x**1, x**0, --x, x-x)."""
    if isinstance(tree, (Num, Var)):
        return tree
    if isinstance(tree, Call):
        return Call(tree.name, [simplify(a) for a in tree.args])
    if isinstance(tree, Unary):
        inner = simplify(tree.operand)
        if isinstance(inner, Num):
            return Num(-inner.value)
        if isinstance(inner, Unary):
            return inner.operand
        return Unary("-", inner)
    left, right = simplify(tree.left), simplify(tree.right)
    op = tree.op
    if isinstance(left, Num) and isinstance(right, Num):
        from .evaluator import _binary, EvalError
        try:
            return Num(_binary(op, left.value, right.value))
        except EvalError:
            return Binary(op, left, right)
    if op == "+":
        if _is(left, 0):
            return right
        if _is(right, 0):
            return left
    if op == "-":
        if _is(right, 0):
            return left
        if left == right:
            return Num(0)
    if op == "*":
        if _is(left, 0) or _is(right, 0):
            return Num(0)
        if _is(left, 1):
            return right
        if _is(right, 1):
            return left
    if op == "/" and _is(right, 1):
        return left
    if op == "**":
        if _is(right, 0):
            return Num(1)
        if _is(right, 1):
            return left
    return Binary(op, left, right)


def _is(node, value):
    return isinstance(node, Num) and node.value == value


def variables(tree):
    """The variable names used, sorted."""
    out = set()
    stack = [tree]
    while stack:
        n = stack.pop()
        if isinstance(n, Var):
            out.add(n.name)
        elif isinstance(n, Unary):
            stack.append(n.operand)
        elif isinstance(n, Binary):
            stack.extend([n.left, n.right])
        elif isinstance(n, Call):
            stack.extend(n.args)
    return sorted(out)
