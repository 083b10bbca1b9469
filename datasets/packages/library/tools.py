"""The library's tools. Each takes the episode's database first; a raised error is the message the agent sees."""
import datetime

LIMITS = {"basic": 2, "plus": 4}
TODAY = datetime.date(2026, 3, 2)


def search_books(db, text):
    like = f"%{text.lower()}%"
    return db.execute("SELECT id, title, author, year, copies FROM books WHERE lower(title) LIKE ? OR lower(author) LIKE ? ORDER BY id",
                      (like, like)).fetchall()


def get_member(db, name):
    m = db.execute("SELECT id, name, tier FROM members WHERE lower(name) = lower(?)", (name,)).fetchone()
    if m is None:
        raise LookupError(f"no member named {name!r}")
    m["loans"] = db.execute("SELECT count(*) AS n FROM loans WHERE member_id = ?", (m["id"],)).fetchone()["n"]
    return m


def list_loans(db, member_id):
    return db.execute("SELECT l.book_id, b.title, l.due FROM loans l JOIN books b ON b.id = l.book_id WHERE l.member_id = ? ORDER BY l.due",
                      (member_id,)).fetchall()


def lend_book(db, book_id, member_id):
    book = db.execute("SELECT id, copies FROM books WHERE id = ?", (book_id,)).fetchone()
    member = db.execute("SELECT id, tier FROM members WHERE id = ?", (member_id,)).fetchone()
    if book is None or member is None:
        raise LookupError("no such book or member")
    if book["copies"] < 1:
        raise ValueError("no copy of this book is on the shelf")
    held = db.execute("SELECT count(*) AS n FROM loans WHERE member_id = ?", (member_id,)).fetchone()["n"]
    if held >= LIMITS[member["tier"]]:
        raise ValueError(f"a {member['tier']} member may hold {LIMITS[member['tier']]} loans at once")
    due = (TODAY + datetime.timedelta(days=21)).isoformat()
    db.execute("UPDATE books SET copies = copies - 1 WHERE id = ?", (book_id,))
    db.execute("INSERT INTO loans VALUES (?, ?, ?)", (book_id, member_id, due))
    return {"book_id": book_id, "member_id": member_id, "due": due}


def return_book(db, book_id, member_id):
    n = db.execute("DELETE FROM loans WHERE rowid IN (SELECT rowid FROM loans WHERE book_id = ? AND member_id = ? LIMIT 1)",
                   (book_id, member_id)).rowcount
    if n == 0:
        raise LookupError("this member has no loan of this book")
    db.execute("UPDATE books SET copies = copies + 1 WHERE id = ?", (book_id,))
    return {"returned": book_id}
