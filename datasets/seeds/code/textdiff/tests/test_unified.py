import unittest

from textdiff import unified_diff, parse_unified, apply_patch, PatchConflict

A = [f"line {i}" for i in range(1, 21)]


class UnifiedTests(unittest.TestCase):
    def test_no_changes(self):
        self.assertEqual(unified_diff(A, A), [])

    def test_single_hunk(self):
        b = list(A)
        b[9] = "changed"
        out = unified_diff(A, b, "old", "new")
        self.assertEqual(out[:3], ["--- old", "+++ new", "@@ -7,7 +7,7 @@"])
        self.assertIn("-line 10", out)
        self.assertIn("+changed", out)
        self.assertEqual(sum(1 for line in out if line.startswith(" ")), 6)

    def test_two_hunks_and_merging(self):
        b = list(A)
        b[1] = "two"
        b[17] = "eighteen"
        self.assertEqual(sum(1 for line in unified_diff(A, b) if line.startswith("@@")), 2)
        c = list(A)
        c[5] = "six"
        c[10] = "eleven"
        self.assertEqual(sum(1 for line in unified_diff(A, c) if line.startswith("@@")), 1)

    def test_context_size(self):
        b = list(A)
        b[9] = "x"
        out = unified_diff(A, b, context=1)
        self.assertEqual(out[2], "@@ -9,3 +9,3 @@")

    def test_empty_sides(self):
        self.assertEqual(unified_diff([], ["a"])[2], "@@ -0,0 +1,1 @@")
        self.assertEqual(unified_diff(["a"], [])[2], "@@ -1,1 +0,0 @@")

    def test_parse(self):
        b = A[:5] + ["new"] + A[5:]
        hunks = parse_unified(unified_diff(A, b))
        self.assertEqual(len(hunks), 1)
        a_start, a_len, b_start, b_len, body = hunks[0]
        self.assertEqual((a_start, a_len, b_start, b_len), (3, 6, 3, 7))
        self.assertEqual(body.count("+new"), 1)
        with self.assertRaises(ValueError):
            parse_unified(["@@ -1,2 +1,1 @@", " a"])
        with self.assertRaises(ValueError):
            parse_unified(["@@ nonsense @@"])


class ApplyTests(unittest.TestCase):
    def round_trip(self, a, b):
        self.assertEqual(apply_patch(a, unified_diff(a, b)), b)

    def test_round_trips(self):
        self.round_trip(A, A[:3] + ["x", "y"] + A[5:15] + A[16:] + ["tail"])
        self.round_trip(A, [])
        self.round_trip([], ["only"])
        self.round_trip(A, list(reversed(A)))
        self.round_trip(["a", "b", "c"], ["c", "b", "a", "c"])

    def test_conflict(self):
        b = list(A)
        b[3] = "four"
        patch = unified_diff(A, b)
        changed = list(A)
        changed[2] = "someone else's edit"
        with self.assertRaises(PatchConflict):
            apply_patch(changed, patch)


if __name__ == "__main__":
    unittest.main()
