"""Evaluation with variables, built-in functions and user functions."""
import math

from .nodes import Num, Var, Unary, Binary, Call
from .parser import parse


class EvalError(ValueError):
    pass


BUILTINS = {
    "abs": (1, abs),
    "min": (-1, min),
    "max": (-1, max),
    "sqrt": (1, math.sqrt),
    "round": (2, lambda x, n: round(x, int(n))),
    "clamp": (3, lambda x, lo, hi: max(lo, min(hi, x))),
}


class Environment:
    def __init__(self, variables=None, parent=None):
        self.variables = dict(variables or {})
        self.functions = {}
        self.parent = parent

    def lookup(self, name):
        env = self
        while env is not None:
            if name in env.variables:
                return env.variables[name]
            env = env.parent
        raise EvalError(f"undefined variable {name!r}")

    def define_function(self, name, params, body_text):
        if len(set(params)) != len(params):
            raise EvalError(f"duplicate parameter in {name}")
        self.functions[name] = (list(params), parse(body_text))

    def find_function(self, name):
        env = self
        while env is not None:
            if name in env.functions:
                return env.functions[name]
            env = env.parent
        return None


def evaluate(tree, env=None, depth=0):
    if isinstance(tree, str):
        tree = parse(tree)
    env = env if env is not None else Environment()
    if depth > 200:
        raise EvalError("recursion too deep")
    if isinstance(tree, Num):
        return tree.value
    if isinstance(tree, Var):
        return env.lookup(tree.name)
    if isinstance(tree, Unary):
        return -evaluate(tree.operand, env, depth + 1)
    if isinstance(tree, Binary):
        a = evaluate(tree.left, env, depth + 1)
        b = evaluate(tree.right, env, depth + 1)
        return _binary(tree.op, a, b)
    if isinstance(tree, Call):
        args = [evaluate(a, env, depth + 1) for a in tree.args]
        user = env.find_function(tree.name)
        if user is not None:
            params, body = user
            if len(args) != len(params):
                raise EvalError(f"{tree.name} takes {len(params)} arguments, got {len(args)}")
            return evaluate(body, Environment(dict(zip(params, args)), env), depth + 1)
        if tree.name not in BUILTINS:
            raise EvalError(f"unknown function {tree.name!r}")
        arity, fn = BUILTINS[tree.name]
        if arity >= 0 and len(args) != arity:
            raise EvalError(f"{tree.name} takes {arity} arguments, got {len(args)}")
        if arity < 0 and not args:
            raise EvalError(f"{tree.name} needs at least one argument")
        try:
            return fn(*args)
        except ValueError as e:
            raise EvalError(f"{tree.name}: {e}") from e
    raise EvalError(f"cannot evaluate {tree!r}")


def _binary(op, a, b):
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            raise EvalError("division by zero")
        result = a / b
        return int(result) if isinstance(a, int) and isinstance(b, int) and a % b == 0 else result
    if op == "%":
        if b == 0:
            raise EvalError("modulo by zero")
        return a % b
    if op == "**":
        if a == 0 and b < 0:
            raise EvalError("zero to a negative power")
        return a ** b
    raise EvalError(f"unknown operator {op}")
