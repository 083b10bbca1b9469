// Thin RAII wrappers over the SQLite C API: a connection and a prepared statement whose errors
// throw IoError naming the database file and the failing statement.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace envforge {

class SqliteDb {
public:
    // path ":memory:" for a private in-memory database. Throws IoError on failure.
    explicit SqliteDb(const std::string& path, bool read_only = false, bool create = true);
    ~SqliteDb();
    SqliteDb(const SqliteDb&) = delete;
    SqliteDb& operator=(const SqliteDb&) = delete;

    void exec(std::string_view sql);  // one or more statements, no results
    sqlite3* raw() const { return db_; }
    const std::string& path() const { return path_; }
    int64_t last_insert_rowid() const;
    int changes() const;
    [[noreturn]] void fail(std::string_view what) const;  // throws IoError with sqlite's message

private:
    sqlite3* db_ = nullptr;
    std::string path_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK unless commit() was called.
class SqliteTransaction {
public:
    explicit SqliteTransaction(SqliteDb& db);
    ~SqliteTransaction();
    SqliteTransaction(const SqliteTransaction&) = delete;
    SqliteTransaction& operator=(const SqliteTransaction&) = delete;
    void commit();

private:
    SqliteDb& db_;
    bool done_ = false;
};

class SqliteStmt {
public:
    SqliteStmt(const SqliteDb& db, std::string_view sql);
    ~SqliteStmt();
    SqliteStmt(const SqliteStmt&) = delete;
    SqliteStmt& operator=(const SqliteStmt&) = delete;

    SqliteStmt& bind(int i, int64_t v);
    SqliteStmt& bind(int i, int v) { return bind(i, int64_t{v}); }
    SqliteStmt& bind(int i, double v);
    SqliteStmt& bind(int i, std::string_view v);
    SqliteStmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
    SqliteStmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
    // Binds without copying: `v` must stay unchanged until the statement is stepped and reset.
    SqliteStmt& bind_ref(int i, std::string_view v);
    SqliteStmt& bind_blob(int i, const void* data, size_t n);
    SqliteStmt& bind_null(int i);
    int param_index(const char* name) const;  // 0 when absent
    int param_count() const;
    const char* param_name(int i) const;

    bool step();  // true while a row is available
    void run() {
        step();
        reset();
    }
    void reset();

    int columns() const;
    const char* column_name(int i) const;
    int column_type(int i) const;  // SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB, SQLITE_NULL
    bool is_null(int i) const;
    int64_t int64(int i) const;
    double real(int i) const;
    std::string text(int i) const;
    // The column's text without a copy: valid until the next step() or reset().
    std::string_view view(int i) const;
    std::optional<std::string> text_or_null(int i) const;
    std::string blob(int i) const;

private:
    const SqliteDb& db_;
    sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace envforge
