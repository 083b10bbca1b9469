"""Line-based text diffs."""
from .lcs import lcs_table, lcs
from .diff import diff_lines, Op, similarity
from .unified import unified_diff, parse_unified, apply_patch, PatchConflict
from .merge import merge3, MergeResult

__all__ = ["lcs_table", "lcs", "diff_lines", "Op", "similarity", "unified_diff", "parse_unified", "apply_patch", "PatchConflict", "merge3", "MergeResult"]
