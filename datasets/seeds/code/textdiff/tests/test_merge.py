import unittest

from textdiff.merge import merge3

BASE = ["a", "b", "c", "d", "e", "f"]


class MergeTests(unittest.TestCase):
    def test_no_changes(self):
        r = merge3(BASE, BASE, BASE)
        self.assertTrue(r.clean)
        self.assertEqual(r.lines, BASE)

    def test_one_side_changes(self):
        ours = ["a", "B", "c", "d", "e", "f"]
        self.assertEqual(merge3(BASE, ours, BASE).lines, ours)
        self.assertEqual(merge3(BASE, BASE, ours).lines, ours)

    def test_disjoint_changes_combine(self):
        ours = ["a", "B", "c", "d", "e", "f"]
        theirs = ["a", "b", "c", "d", "E", "f", "g"]
        r = merge3(BASE, ours, theirs)
        self.assertTrue(r.clean)
        self.assertEqual(r.lines, ["a", "B", "c", "d", "E", "f", "g"])

    def test_same_change_on_both_sides(self):
        both = ["a", "b", "X", "d", "e", "f"]
        r = merge3(BASE, both, both)
        self.assertTrue(r.clean)
        self.assertEqual(r.lines, both)

    def test_conflict(self):
        ours = ["a", "b", "OURS", "d", "e", "f"]
        theirs = ["a", "b", "THEIRS", "d", "e", "f"]
        r = merge3(BASE, ours, theirs)
        self.assertEqual(r.conflicts, 1)
        self.assertEqual(r.lines, ["a", "b", "<<<<<<< ours", "OURS", "=======", "THEIRS", ">>>>>>> theirs", "d", "e", "f"])

    def test_deletions(self):
        ours = ["a", "c", "d", "e", "f"]
        theirs = ["a", "b", "c", "d", "e"]
        r = merge3(BASE, ours, theirs)
        self.assertTrue(r.clean)
        self.assertEqual(r.lines, ["a", "c", "d", "e"])


if __name__ == "__main__":
    unittest.main()
