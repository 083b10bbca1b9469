// Helpers every environment kind uses when synthesizing tasks: JSON-schema builders for tool
// parameters, the reference/probes block, fictional names that collide with nothing famous,
// calendar dates, and a verdict built from named checks.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/json.hpp"
#include "tasks/message.hpp"
#include "common/rng.hpp"

namespace envforge {

// JSON-schema helpers.
Json str_prop(std::string description);
Json int_prop(std::string description);
Json num_prop(std::string description);
Json enum_prop(std::string description, std::vector<std::string> values);
Json object_schema(std::vector<std::pair<std::string, Json>> props, std::vector<std::string> required);

// A task's `reference`: gold turns, the expected answer and the validation probes (moved in).
Json reference_json(Json turns, Json answer, JsonArray probes);

// Name generation; `taken` keeps names unique within a task or world.
std::string unique_name(Rng& rng, std::set<std::string>& taken, std::string (*make)(Rng&));
std::string place_name(Rng& rng);
std::string person_name(Rng& rng);
std::string brand_name(Rng& rng);

// Dates as "YYYY-MM-DD" from a day number (days since 1970-01-01), and back.
std::string date_string(int64_t day);
int64_t day_number(int year, int month, int day);

// Accumulates named checks into a binary-reward verdict with per-check details and a score.
class Checks {
public:
    void add(std::string name, bool ok, std::string why = "");
    bool all_ok() const { return failed_ == 0; }
    Verdict verdict() const;

private:
    JsonArray items_;
    int failed_ = 0;
};

}  // namespace envforge
