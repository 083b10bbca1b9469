// A user's tables for the interp kind's --data path: CSV or TSV with a header, JSON (an array
// of objects), JSON lines and every table of a SQLite database, each column typed by inference
// (SQLite's storage classes, for a database; an optional schema file overrides it). Missing values are what pandas reads as missing by
// default (empty, NA, null, NaN, ...), so the generator and an agent's `pd.read_csv` agree on them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace envforge::interp {

enum class ColumnType { Int, Float, Date, String };
const char* column_type_name(ColumnType t);

struct Column {
    std::string name;
    ColumnType type = ColumnType::String;
    std::vector<std::string> text;  // as written ("" where missing)
    std::vector<bool> missing;
    std::vector<double> value;  // Int, Float: the number; Date: days since 1970-01-01
    size_t present() const;
    bool numeric() const { return type == ColumnType::Int || type == ColumnType::Float; }
};

struct Table {
    std::string file;       // the file's name, as the agent finds it in its working directory
    std::string content;    // the file's bytes
    std::string format;     // csv, tsv, json, jsonl, sqlite
    std::string sql_table;  // sqlite: the table's name in the database
    std::vector<Column> columns;
    size_t rows = 0;
    // The pandas statement that loads the file into `df`, as a reference program writes it.
    std::string pandas_load() const;
    // The file, or for a database the file and its table ("shop.db:orders").
    std::string label() const;
    // Where the data is, as the question opens.
    std::string intro() const;
};

// Every table file directly in `dir` (.csv, .tsv, .json, .jsonl, .ndjson, and each table of a
// SQLite database in .sqlite, .sqlite3 or .db; other files are
// listed in `skipped` with the reason). `dir`/schema.json, when present, maps a file name to
// {column: "int" | "float" | "date" | "string"}. Throws InvalidInput (one line naming the
// file) on a file that does not parse.
std::vector<Table> load_tables(const std::string& dir, std::vector<std::string>* skipped = nullptr);

// One table from its bytes (tests, and load_tables).
Table parse_table(const std::string& file, const std::string& content);
// Every table in a file's bytes: one, or a SQLite database's tables (read from memory, never
// trusting its schema's functions). Throws InvalidInput naming the file.
std::vector<Table> parse_tables(const std::string& file, const std::string& content);
bool is_sqlite_file(const std::string& file);

// Days since 1970-01-01 of an ISO date ("YYYY-MM-DD", optionally followed by a time), or false.
bool parse_iso_date(const std::string& s, int64_t& days);
// The civil date and weekday (0 = Monday) of a day number.
void civil_from_days(int64_t days, int& year, int& month, int& day);
int weekday_from_days(int64_t days);

}  // namespace envforge::interp
