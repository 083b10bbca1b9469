"""Checks the submitted answer and the library's final state against the task's expected values."""


def verify(db, answer, answer_text=None, loans=(), no_loans=()):
    got = (answer or {}).get("answer", "") if isinstance(answer, dict) else ""
    problems = []
    if answer_text is not None and got.strip().lower() != answer_text.lower():
        problems.append(f"answer {got!r}, expected {answer_text!r}")
    for book_id, member_id in loans:
        if not db.execute("SELECT 1 FROM loans WHERE book_id = ? AND member_id = ?", (book_id, member_id)).fetchone():
            problems.append(f"book {book_id} is not on loan to member {member_id}")
    for book_id, member_id in no_loans:
        if db.execute("SELECT 1 FROM loans WHERE book_id = ? AND member_id = ?", (book_id, member_id)).fetchone():
            problems.append(f"book {book_id} is still on loan to member {member_id}")
    return {"passed": not problems, "details": "; ".join(problems) or "all checks hold"}
