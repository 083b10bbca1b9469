import unittest

from exprcalc import evaluate, EvalError, Environment, parse, simplify, to_text, Num, Var, Binary
from exprcalc.simplify import variables


class EvalTests(unittest.TestCase):
    def test_arithmetic(self):
        cases = {"1 + 2 * 3": 7, "(1 + 2) * 3": 9, "10 - 4 - 3": 3, "2 ** 3 ** 2": 512, "-2 ** 2": -4, "7 % 3": 1,
                 "9 / 3": 3, "7 / 2": 3.5, "2 ^ 10": 1024}
        for text, expected in cases.items():
            with self.subTest(text=text):
                self.assertEqual(evaluate(text), expected)

    def test_integer_division_stays_int(self):
        self.assertIsInstance(evaluate("9 / 3"), int)
        self.assertIsInstance(evaluate("9.0 / 3"), float)

    def test_errors(self):
        for text in ["1 / 0", "1 % 0", "0 ** -1", "y + 1", "nope(1)", "abs(1, 2)", "max()", "sqrt(-1)"]:
            with self.subTest(text=text):
                with self.assertRaises(EvalError):
                    evaluate(text)

    def test_variables_and_scopes(self):
        outer = Environment({"x": 2, "y": 10})
        inner = Environment({"x": 5}, parent=outer)
        self.assertEqual(evaluate("x * y", inner), 50)
        self.assertEqual(evaluate("x * y", outer), 20)

    def test_builtins(self):
        self.assertEqual(evaluate("max(3, 9, 4) - min(3, 9, 4)"), 6)
        self.assertEqual(evaluate("abs(-4) + sqrt(16)"), 8.0)
        self.assertEqual(evaluate("round(3.14159, 2)"), 3.14)
        self.assertEqual(evaluate("clamp(15, 0, 10) + clamp(-3, 0, 10)"), 10)

    def test_user_functions(self):
        env = Environment({"k": 3})
        env.define_function("sq", ["a"], "a * a")
        env.define_function("hyp2", ["a", "b"], "sq(a) + sq(b)")
        env.define_function("addk", ["a"], "a + k")
        self.assertEqual(evaluate("hyp2(3, 4)", env), 25)
        self.assertEqual(evaluate("addk(1)", env), 4)
        with self.assertRaises(EvalError):
            evaluate("sq(1, 2)", env)
        with self.assertRaises(EvalError):
            env.define_function("bad", ["a", "a"], "a")

    def test_recursion_limit(self):
        env = Environment()
        env.define_function("loop", ["n"], "loop(n + 1)")
        with self.assertRaises(EvalError):
            evaluate("loop(0)", env)


class PrintAndSimplifyTests(unittest.TestCase):
    def test_to_text_minimal_parentheses(self):
        for text in ["1 + 2 * 3", "(1 + 2) * 3", "2 ** 3 ** 2", "(2 ** 3) ** 2", "8 - (3 - 2)", "-x ** 2", "f(a + 1, b)"]:
            with self.subTest(text=text):
                self.assertEqual(to_text(parse(text)), text)

    def test_round_trip_preserves_value(self):
        env = Environment({"a": 3, "b": 5})
        for text in ["a - b - 2", "a - (b - 2)", "(a + b) * (a - b)", "a ** 2 ** 2 / b"]:
            self.assertEqual(evaluate(to_text(parse(text)), env), evaluate(text, env))

    def test_constant_folding(self):
        self.assertEqual(simplify(parse("2 * 3 + x")), Binary("+", Num(6), Var("x")))
        self.assertEqual(simplify(parse("1 / 0 + 1")), parse("1 / 0 + 1"))

    def test_identities(self):
        cases = {"x + 0": "x", "0 + x": "x", "x * 1": "x", "1 * x": "x", "x * 0": "0", "x ** 1": "x", "x ** 0": "1",
                 "x - x": "0", "x / 1": "x", "--x": "x", "x - 0": "x", "-(2)": "-2"}
        for text, expected in cases.items():
            with self.subTest(text=text):
                self.assertEqual(to_text(simplify(parse(text))), expected)

    def test_variables(self):
        self.assertEqual(variables(parse("f(b, a) + a * -c")), ["a", "b", "c"])


if __name__ == "__main__":
    unittest.main()
