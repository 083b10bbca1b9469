// `synth interp --data DIR`: analysis tasks over a user's tables. Loads every table in DIR,
// makes the questions each family allows, runs each question's pandas program in the sandbox
// and keeps a question only where the program and the generator agree; the tasks spread over
// the difficulty range, round-robin over tables and families.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "datasets/store.hpp"
#include "envgen/interp/data_questions.hpp"

namespace envforge::cli {

struct InterpDataConfig {
    std::string dir;
    size_t count = 10;
    int min_difficulty = 1, max_difficulty = 5;
    uint64_t seed = 1;
    bool quiet = false;
    interp::PlantedBug bug = interp::PlantedBug::None;  // tests only (ENVFORGE_TEST_PLANT_BUG)
    std::vector<Task>* templates = nullptr;             // set: the agreed tasks go here (for --llm), not to the store
};

struct InterpDataSummary {
    std::vector<std::string> tables;  // "file: rows x columns (types)"
    std::vector<std::string> skipped;
    size_t questions = 0, checked = 0, kept = 0, added = 0;
    std::map<std::string, size_t> dropped;   // why -> questions
    std::map<int, size_t> difficulty;        // difficulty -> tasks
    std::map<std::string, size_t> families;  // family -> tasks
    double seconds = 0, check_seconds = 0;
    Json to_json() const;
    void print() const;
};

InterpDataSummary synthesize_from_data(Store& store, const InterpDataConfig& config);

}  // namespace envforge::cli
