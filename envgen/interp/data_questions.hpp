// Questions over a user's tables (synth interp --data): each family computes its answer in C++
// and writes an independent pandas program that computes it again; a question is kept only
// where the two agree (tools/cli/interp_data.cpp runs the programs in the sandbox). A question
// names every column as in the data, its rounding and how missing values count, and is refused
// where its answer is not unique (a tie at the top of an argmax or the boundary of a top-k, a
// value on a rounding boundary).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "envgen/interp/data_table.hpp"

namespace envforge::interp {

struct DataQuestion {
    std::string family;  // aggregate, filter_aggregate, distinct, percentage, missing, group_argmax, top_k, ...
    int difficulty = 1;  // the number of steps: select, filter, group, order, round
    const Table* table = nullptr;
    std::string question;
    std::string answer;                                       // canonical text, rounded as the question says
    std::string answer_type;                                  // int, float, string, list
    double tolerance = 0;                                     // floats: half a unit of the stated rounding
    double exact = 0;                                         // int and float: the unrounded value, compared with the program's
    std::string check_code;                                   // pandas; leaves the unrounded answer in `result`
    std::string print_code;                                   // prints `result` as the question asks (appended for the reference)
    std::vector<std::pair<std::string, std::string>> probes;  // the frequent wrong answers: name, answer
    std::string key;                                          // what makes two questions the same
    // What a rewrite of the question (synth --llm) must keep: the file and column names, the
    // quoted values and the numbers of its first sentence up to the question mark.
    std::vector<std::string> keep;
};

// Test-only fault injection: a generator whose aggregate is wrong, to show that the question is
// dropped when the program disagrees.
enum class PlantedBug { None, MeanOffByOne };

// Every question the tables allow (deterministic; several per family, column and condition),
// at most `per_family` of each family per table, in a seeded order.
std::vector<DataQuestion> data_questions(const std::vector<Table>& tables, uint64_t seed, size_t per_family = 40,
                                         PlantedBug bug = PlantedBug::None);

// Whether the program's value agrees with the generator's (numbers to 1e-9 relative; strings
// and lists exactly). `got` is what the program left in `result`, as JSON text.
bool program_agrees(const DataQuestion& q, const std::string& got_json);

}  // namespace envforge::interp
