import unittest

from jsonpointer import apply_patch, make_patch, PatchError, PatchTestFailed


class ApplyTests(unittest.TestCase):
    def test_add_member_and_element(self):
        self.assertEqual(apply_patch({"foo": "bar"}, [{"op": "add", "path": "/baz", "value": "qux"}]), {"foo": "bar", "baz": "qux"})
        self.assertEqual(apply_patch({"foo": ["bar", "baz"]}, [{"op": "add", "path": "/foo/1", "value": "qux"}]),
                         {"foo": ["bar", "qux", "baz"]})
        self.assertEqual(apply_patch([1, 2], [{"op": "add", "path": "/-", "value": 3}]), [1, 2, 3])

    def test_remove(self):
        self.assertEqual(apply_patch({"a": 1, "b": 2}, [{"op": "remove", "path": "/a"}]), {"b": 2})
        self.assertEqual(apply_patch({"a": [1, 2, 3]}, [{"op": "remove", "path": "/a/1"}]), {"a": [1, 3]})

    def test_replace(self):
        self.assertEqual(apply_patch({"a": 1}, [{"op": "replace", "path": "/a", "value": [2]}]), {"a": [2]})
        with self.assertRaises(PatchError):
            apply_patch({"a": 1}, [{"op": "replace", "path": "/b", "value": 2}])

    def test_move(self):
        doc = {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}}
        out = apply_patch(doc, [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}])
        self.assertEqual(out, {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}})
        self.assertEqual(apply_patch([1, 2, 3, 4], [{"op": "move", "from": "/1", "path": "/3"}]), [1, 3, 4, 2])
        with self.assertRaises(PatchError):
            apply_patch({"a": {"b": 1}}, [{"op": "move", "from": "/a", "path": "/a/b/c"}])

    def test_copy(self):
        self.assertEqual(apply_patch({"a": [1]}, [{"op": "copy", "from": "/a", "path": "/b"}]), {"a": [1], "b": [1]})

    def test_test(self):
        doc = {"a": [1, 2], "n": 1}
        self.assertEqual(apply_patch(doc, [{"op": "test", "path": "/a", "value": [1, 2]}]), doc)
        apply_patch(doc, [{"op": "test", "path": "/n", "value": 1.0}])
        with self.assertRaises(PatchTestFailed):
            apply_patch(doc, [{"op": "test", "path": "/n", "value": True}])
        with self.assertRaises(PatchTestFailed):
            apply_patch(doc, [{"op": "test", "path": "/a", "value": [2, 1]}])

    def test_input_untouched_and_in_place(self):
        doc = {"a": 1}
        apply_patch(doc, [{"op": "add", "path": "/b", "value": 2}])
        self.assertEqual(doc, {"a": 1})
        apply_patch(doc, [{"op": "add", "path": "/b", "value": 2}], in_place=True)
        self.assertEqual(doc, {"a": 1, "b": 2})

    def test_atomic_failure_leaves_input(self):
        doc = {"a": 1}
        with self.assertRaises(PatchError):
            apply_patch(doc, [{"op": "remove", "path": "/a"}, {"op": "remove", "path": "/zzz"}])
        self.assertEqual(doc, {"a": 1})

    def test_malformed(self):
        with self.assertRaises(PatchError):
            apply_patch({}, {"op": "add"})
        with self.assertRaises(PatchError):
            apply_patch({}, [{"path": "/a"}])
        with self.assertRaises(PatchError):
            apply_patch({}, [{"op": "frobnicate", "path": "/a"}])
        with self.assertRaises(PatchError):
            apply_patch({}, [{"op": "add", "path": "/a"}])


class MakePatchTests(unittest.TestCase):
    def check(self, src, dst):
        patch = make_patch(src, dst)
        self.assertEqual(apply_patch(src, patch), dst)
        return patch

    def test_identical(self):
        self.assertEqual(make_patch({"a": [1]}, {"a": [1]}), [])

    def test_dicts(self):
        patch = self.check({"a": 1, "b": 2}, {"b": 3, "c": 4})
        self.assertIn({"op": "remove", "path": "/a"}, patch)

    def test_lists(self):
        self.check([1, 2, 3], [1, 5])
        self.check([1], [1, 2, 3])
        self.check([], [[1], {"x": None}])

    def test_nested_and_types(self):
        self.check({"a": {"b": [1, {"c": True}]}}, {"a": {"b": [1, {"c": False}, 7]}, "z": "new"})
        self.assertEqual(make_patch(1, "1"), [{"op": "replace", "path": "", "value": "1"}])

    def test_escaped_keys(self):
        self.check({"a/b": 1, "m~n": 2}, {"a/b": 2})


if __name__ == "__main__":
    unittest.main()
