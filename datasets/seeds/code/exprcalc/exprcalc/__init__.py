"""Arithmetic expressions: parse, evaluate, print and simplify."""
from .lexer import tokenize, Token, LexError
from .parser import parse, ParseError
from .nodes import Num, Var, Unary, Binary, Call
from .evaluator import evaluate, EvalError, Environment
from .simplify import simplify, to_text

__all__ = ["tokenize", "Token", "LexError", "parse", "ParseError", "Num", "Var", "Unary", "Binary", "Call",
           "evaluate", "EvalError", "Environment", "simplify", "to_text"]
