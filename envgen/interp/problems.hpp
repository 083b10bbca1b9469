// Code-interpreter problems: data analysis over generated CSV files, number theory and
// combinatorics, and simulations. The generator computes every answer in C++; each problem
// also carries a Python reference solution whose printed answer must agree (validation runs it
// in the sandbox), and two wrong answers for the probes: off by one unit, and a dropped filter.
#pragma once

#include <map>
#include <string>

#include "common/rng.hpp"

namespace envforge::interp {

struct Problem {
    std::string family;  // "data", "number", "simulation"
    std::string question;
    std::map<std::string, std::string> files;  // written into the work directory
    std::string answer;                        // canonical text
    std::string answer_type;                   // "int", "float", "string"
    double tolerance = 0;                      // floats: absolute
    std::string reference_code;                // Python; prints the answer on its last line
    std::string off_by_one, dropped_filter;    // wrong answers for the probes
};

// Deterministic in (family index, seed, difficulty).
Problem make_problem(int family, uint64_t seed, int difficulty);

}  // namespace envforge::interp
