import unittest

from jsonpointer import JsonPointer, PointerError, escape, unescape
from jsonpointer.pointer import walk

DOC = {"foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4, "i\\j": 5, "k\"l": 6, " ": 7, "m~n": 8}


class EscapeTests(unittest.TestCase):
    def test_escape_order(self):
        self.assertEqual(escape("~1"), "~01")
        self.assertEqual(escape("a/b~c"), "a~1b~0c")

    def test_unescape(self):
        self.assertEqual(unescape("~01"), "~1")
        self.assertEqual(unescape("a~1b~0c"), "a/b~c")
        with self.assertRaises(PointerError):
            unescape("bad~2")
        with self.assertRaises(PointerError):
            unescape("end~")


class RfcExampleTests(unittest.TestCase):
    """The examples of RFC 6901 section 5."""

    def test_all(self):
        cases = {"": DOC, "/foo": ["bar", "baz"], "/foo/0": "bar", "/": 0, "/a~1b": 1, "/c%d": 2, "/e^f": 3, "/g|h": 4,
                 "/i\\j": 5, "/k\"l": 6, "/ ": 7, "/m~0n": 8}
        for text, expected in cases.items():
            with self.subTest(pointer=text):
                self.assertEqual(JsonPointer(text).resolve(DOC), expected)

    def test_round_trip(self):
        for text in ["", "/foo/0", "/a~1b", "/m~0n", "/ "]:
            self.assertEqual(str(JsonPointer(text)), text)


class ResolveTests(unittest.TestCase):
    def test_errors(self):
        with self.assertRaises(PointerError):
            JsonPointer("foo")
        with self.assertRaises(PointerError):
            JsonPointer("/missing").resolve(DOC)
        with self.assertRaises(PointerError):
            JsonPointer("/foo/2").resolve(DOC)
        with self.assertRaises(PointerError):
            JsonPointer("/foo/01").resolve(DOC)
        with self.assertRaises(PointerError):
            JsonPointer("/foo/-").resolve(DOC)
        with self.assertRaises(PointerError):
            JsonPointer("/foo/0/x").resolve(DOC)

    def test_default(self):
        self.assertIsNone(JsonPointer("/nope").resolve(DOC, None))
        self.assertEqual(JsonPointer("/foo/9").resolve(DOC, "d"), "d")

    def test_exists(self):
        self.assertTrue(JsonPointer("/foo/1").exists(DOC))
        self.assertFalse(JsonPointer("/foo/2").exists(DOC))

    def test_navigation(self):
        p = JsonPointer("/a/b/c")
        self.assertEqual(p.parent(), JsonPointer("/a/b"))
        self.assertEqual(p.last(), "c")
        self.assertEqual(JsonPointer("/a").child("x/y"), JsonPointer("/a/x~1y"))
        self.assertTrue(JsonPointer("/a").is_prefix_of(p))
        self.assertFalse(p.is_prefix_of(JsonPointer("/a")))
        with self.assertRaises(PointerError):
            JsonPointer("").parent()


class EditTests(unittest.TestCase):
    def test_set_dict_and_list(self):
        doc = {"a": [1, 2, 3]}
        JsonPointer("/a/1").set(doc, 9)
        self.assertEqual(doc, {"a": [1, 9, 3]})
        JsonPointer("/a/-").set(doc, 4, insert=True)
        self.assertEqual(doc["a"], [1, 9, 3, 4])
        JsonPointer("/a/0").set(doc, 0, insert=True)
        self.assertEqual(doc["a"], [0, 1, 9, 3, 4])
        JsonPointer("/b").set(doc, {"c": 1})
        self.assertEqual(doc["b"], {"c": 1})

    def test_set_root(self):
        self.assertEqual(JsonPointer("").set({"a": 1}, [1]), [1])

    def test_set_out_of_range(self):
        with self.assertRaises(PointerError):
            JsonPointer("/a/5").set({"a": [1]}, 2, insert=True)
        with self.assertRaises(PointerError):
            JsonPointer("/a/1").set({"a": [1]}, 2)

    def test_remove(self):
        doc = {"a": [1, 2, 3], "b": 2}
        self.assertEqual(JsonPointer("/a/0").remove(doc), 1)
        self.assertEqual(JsonPointer("/b").remove(doc), 2)
        self.assertEqual(doc, {"a": [2, 3]})
        with self.assertRaises(PointerError):
            JsonPointer("/b").remove(doc)
        with self.assertRaises(PointerError):
            JsonPointer("").remove(doc)


class WalkTests(unittest.TestCase):
    def test_walk(self):
        pairs = [(str(p), v) for p, v in walk({"b": [1, {"c": 2}], "a": 0})]
        self.assertEqual([p for p, _ in pairs], ["", "/a", "/b", "/b/0", "/b/1", "/b/1/c"])
        self.assertEqual(pairs[-1][1], 2)


if __name__ == "__main__":
    unittest.main()


class FlattenTests(unittest.TestCase):
    def test_round_trip(self):
        from jsonpointer.pointer import flatten, unflatten
        doc = {"a": [1, {"b": None}], "c/d": {"e": "x"}, "empty": [], "f": {}}
        flat = flatten(doc)
        self.assertEqual(flat["/a/0"], 1)
        self.assertEqual(flat["/c~1d/e"], "x")
        self.assertEqual(flat["/empty"], [])
        self.assertEqual(unflatten(flat), doc)
        self.assertEqual(unflatten(flatten(5)), 5)
