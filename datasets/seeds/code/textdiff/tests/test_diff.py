import unittest

from textdiff import lcs, lcs_table, diff_lines, Op, similarity
from textdiff.diff import stats


class LcsTests(unittest.TestCase):
    def test_lengths(self):
        self.assertEqual(lcs_table("ABCBDAB", "BDCABA")[0][0], 4)
        self.assertEqual(lcs_table("", "abc")[0][0], 0)

    def test_sequence(self):
        self.assertEqual("".join(lcs("ABCBDAB", "BDCABA")), "BDAB")  # one of the LCSs, chosen deterministically
        self.assertEqual(len(lcs([1, 2, 3], [3, 2, 1])), 1)
        self.assertEqual(lcs("same", "same"), list("same"))


class DiffTests(unittest.TestCase):
    def test_identical(self):
        ops = diff_lines(["a", "b"], ["a", "b"])
        self.assertTrue(all(op.kind == "equal" for op in ops))

    def test_change_in_middle(self):
        ops = diff_lines(["a", "b", "c"], ["a", "x", "c"])
        self.assertEqual([op.kind for op in ops], ["equal", "delete", "insert", "equal"])
        self.assertEqual(ops[1], Op("delete", 1, 1, "b"))
        self.assertEqual(ops[2], Op("insert", 2, 1, "x"))

    def test_insert_and_delete_only(self):
        self.assertEqual([op.kind for op in diff_lines([], ["a", "b"])], ["insert", "insert"])
        self.assertEqual([op.kind for op in diff_lines(["a", "b"], [])], ["delete", "delete"])

    def test_indices_track_both_sides(self):
        ops = diff_lines(["x", "a", "b", "y"], ["a", "b", "z"])
        for op in ops:
            if op.kind == "equal":
                self.assertEqual(["x", "a", "b", "y"][op.a_index], ["a", "b", "z"][op.b_index])
        self.assertEqual(stats(ops), (1, 2))

    def test_ignore_whitespace(self):
        ops = diff_lines(["a  b", "c"], ["a b", "c "], ignore_whitespace=True)
        self.assertTrue(all(op.kind == "equal" for op in ops))
        self.assertEqual(ops[0].line, "a  b")

    def test_reconstruct_both_sides(self):
        a = ["one", "two", "three", "four", "five"]
        b = ["zero", "one", "three", "3.5", "five", "six"]
        ops = diff_lines(a, b)
        self.assertEqual([op.line for op in ops if op.kind != "insert"], a)
        self.assertEqual([op.line for op in ops if op.kind != "delete"], b)

    def test_similarity(self):
        self.assertEqual(similarity([], []), 1.0)
        self.assertEqual(similarity(["a"], ["b"]), 0.0)
        self.assertAlmostEqual(similarity(["a", "b", "c", "d"], ["a", "b", "x", "d"]), 0.75)


if __name__ == "__main__":
    unittest.main()
