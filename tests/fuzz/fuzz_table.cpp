// A user's table for `synth interp --data`: the first byte picks the format (.csv, .tsv, .json,
// .jsonl, a SQLite database), the rest is the file; a table that parses also goes through every question family
// (thresholds, groups, dates, rounding), which must never crash on odd data either.
#include "envgen/interp/data_questions.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace envforge;
    if (size == 0) return 0;
    static const char* const names[] = {"t.csv", "t.tsv", "t.json", "t.jsonl", "t.db"};
    const std::string name = names[data[0] % 5];
    const std::string content(fuzz::text(data + 1, size - 1));
    fuzz::expect_clean([&] {
        std::vector<interp::Table> tables = interp::parse_tables(name, content);
        interp::data_questions(tables, 1, 8);
    });
    return 0;
}
