import unittest

from exprcalc import tokenize, Token, LexError, parse, ParseError, Num, Var, Unary, Binary, Call


class LexerTests(unittest.TestCase):
    def test_tokens(self):
        kinds = [t.kind for t in tokenize("f(x, 2.5e3) ** -y")]
        self.assertEqual(kinds, ["name", "lparen", "name", "comma", "num", "rparen", "op", "op", "name", "end"])

    def test_numbers(self):
        self.assertEqual([t.text for t in tokenize("12 3.5 .5 1e3 2E-2 7e")][:-1], ["12", "3.5", ".5", "1e3", "2E-2", "7", "e"])

    def test_caret_is_power(self):
        self.assertEqual(tokenize("2^3")[1], Token("op", "**", 1))

    def test_bad_character(self):
        with self.assertRaises(LexError):
            tokenize("1 $ 2")


class ParserTests(unittest.TestCase):
    def test_precedence(self):
        self.assertEqual(parse("1 + 2 * 3"), Binary("+", Num(1), Binary("*", Num(2), Num(3))))
        self.assertEqual(parse("(1 + 2) * 3"), Binary("*", Binary("+", Num(1), Num(2)), Num(3)))

    def test_left_associative(self):
        self.assertEqual(parse("8 - 3 - 2"), Binary("-", Binary("-", Num(8), Num(3)), Num(2)))
        self.assertEqual(parse("8 / 4 / 2"), Binary("/", Binary("/", Num(8), Num(4)), Num(2)))

    def test_power_right_associative_and_above_minus(self):
        self.assertEqual(parse("2 ** 3 ** 2"), Binary("**", Num(2), Binary("**", Num(3), Num(2))))
        self.assertEqual(parse("-2 ** 2"), Unary("-", Binary("**", Num(2), Num(2))))

    def test_unary_plus_and_minus(self):
        self.assertEqual(parse("+x"), Var("x"))
        self.assertEqual(parse("--x"), Unary("-", Unary("-", Var("x"))))

    def test_calls(self):
        self.assertEqual(parse("max(1, x, 2)"), Call("max", [Num(1), Var("x"), Num(2)]))
        self.assertEqual(parse("f()"), Call("f", []))

    def test_numbers(self):
        self.assertEqual(parse("2.0"), Num(2.0))
        self.assertIsInstance(parse("2").value, int)
        self.assertIsInstance(parse("1e2").value, float)

    def test_errors(self):
        for bad in ["1 +", "(1", "1 2", "f(1,", ")", "*3"]:
            with self.subTest(text=bad):
                with self.assertRaises(ParseError):
                    parse(bad)


if __name__ == "__main__":
    unittest.main()
