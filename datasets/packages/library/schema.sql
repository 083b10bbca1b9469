CREATE TABLE books(id INTEGER PRIMARY KEY, title TEXT NOT NULL, author TEXT NOT NULL, year INTEGER NOT NULL, copies INTEGER NOT NULL);
CREATE TABLE members(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, tier TEXT NOT NULL CHECK (tier IN ('basic', 'plus')));
CREATE TABLE loans(book_id INTEGER NOT NULL REFERENCES books(id), member_id INTEGER NOT NULL REFERENCES members(id), due TEXT NOT NULL);
INSERT INTO books VALUES
  (1, 'The Salt Road', 'Ursula Vance', 1998, 2),
  (2, 'Harbour Lights', 'Ursula Vance', 1987, 0),
  (3, 'A Winter in Kell', 'Ursula Vance', 2004, 1),
  (4, 'Glass and Iron', 'Tomas Reyes', 1979, 3),
  (5, 'The Quiet Ledger', 'Tomas Reyes', 2011, 1),
  (6, 'Notes from the Fen', 'Mira Osei', 2015, 0),
  (7, 'Small Hours', 'Mira Osei', 2019, 2),
  (8, 'The Cartographer''s Daughter', 'Ines Calloway', 1992, 1);
INSERT INTO members VALUES (1, 'Alice Brandt', 'basic'), (2, 'Bilal Noor', 'plus'), (3, 'Chen Wei', 'basic');
INSERT INTO loans VALUES (4, 1, '2026-03-10'), (6, 1, '2026-03-12'), (2, 2, '2026-03-05');
