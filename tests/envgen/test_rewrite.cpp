// The checks a model's rewrite of a search question must pass before a model answers it.
#include <doctest/doctest.h>

#include "envgen/search/rewrite.hpp"

using namespace envforge;
using namespace envforge::search;

TEST_CASE("rewrite: the question and its instruction are split, only the question is rewritten") {
    const auto [q, rest] = split_question("Which painter, born between 1968 and 1980? Give the full name. Answer with just the name.");
    CHECK(q == "Which painter, born between 1968 and 1980?");
    CHECK(rest == " Give the full name. Answer with just the name.");
    CHECK(split_question("No question mark").second.empty());
    const auto messages = rewrite_messages(q);
    REQUIRE(messages.size() == 2);
    CHECK(messages[1].content.value_or("").ends_with(q));
}

TEST_CASE("rewrite: names, standalone numbers and a facts question's subject must stay") {
    Task t;
    const std::string q = "In which year was the organisation that employed Orla Feimuard of New Sickcrest founded, after 1930?";
    const auto keep = must_keep(t, q);
    CHECK(keep == std::vector<std::string>{"Orla Feimuard", "New Sickcrest", "1930"});
    // Digits inside a name are not numbers of the question.
    CHECK(must_keep(t, "What is the version of python3-pyside2.qt3danimation?").empty());
    t.verifier = Json::object({{"path", Json(JsonArray{Json::object({{"subject", "node-slice-ansi"}})})}});
    CHECK(must_keep(t, "What is the archive section of node-slice-ansi?") == std::vector<std::string>{"node-slice-ansi"});
}

TEST_CASE("rewrite: what a reply must not be") {
    const std::string q = "What is the name of the city where Orla Feimuard was born?";
    const std::vector<std::string> keep = {"Orla Feimuard"};
    CHECK(rewrite_problem(q, "Where was Orla Feimuard born?", "New Sickcrest", keep).empty());
    CHECK(clean_rewrite("  \"Where was Orla Feimuard born?\"\n") == "Where was Orla Feimuard born?");
    CHECK(rewrite_problem(q, "", "New Sickcrest", keep) == "empty");
    CHECK(rewrite_problem(q, "Where was\nOrla Feimuard born?", "New Sickcrest", keep) == "more than one line");
    CHECK(rewrite_problem(q, "<think>x</think> Where was Orla Feimuard born?", "New Sickcrest", keep) == "markup in the reply");
    CHECK(rewrite_problem(q, std::string(400, 'a') + "?", "New Sickcrest", keep) == "too long");
    CHECK(rewrite_problem(q, "Orla Feimuard was born somewhere.", "New Sickcrest", keep) == "not a question");
    CHECK(rewrite_problem(q, "what is the name of the city where orla feimuard was born?", "New Sickcrest", keep) == "unchanged");
    CHECK(rewrite_problem(q, "Was Orla Feimuard born in New Sickcrest?", "New Sickcrest", keep) == "gives the answer away");
    CHECK(rewrite_problem(q, "Where was she born?", "New Sickcrest", keep) == "drops 'Orla Feimuard'");
    // An answer the question itself names (a choice among options) is no leak.
    const std::string choice = "Which was founded first: Rondby Works or Pulora Institute?";
    CHECK(rewrite_problem(choice, "Of Rondby Works and Pulora Institute, which came first?", "Pulora Institute",
                          {"Rondby Works", "Pulora Institute"})
              .empty());
}

TEST_CASE("rewrite: a task's own list of what to keep, and a name inside another name") {
    Task t;
    t.verifier = Json::object({{"must_keep", Json(JsonArray{Json("seattle-weather.csv"), Json("weather"), Json("2.8"), Json("absent")})}});
    const std::string q =
        "The file `seattle-weather.csv` is here. How many distinct values does `weather` take where `x` is greater than 2.8?";
    const std::vector<std::string> keep = must_keep(t, q);
    CHECK(keep == std::vector<std::string>{"seattle-weather.csv", "weather", "2.8"});  // only what the question holds
    CHECK(rewrite_problem(q, "In seattle-weather.csv, how many weather kinds are there when x exceeds 2.8?", "5", keep).empty());
    // "weather" is only inside the file name now: dropped.
    CHECK(rewrite_problem(q, "In seattle-weather.csv, how many kinds are there when x exceeds 2.8?", "5", keep) == "drops 'weather'");
    CHECK(rewrite_problem(q, "In seattle-weather.csv, how many weather kinds are there when x is large?", "5", keep) == "drops '2.8'");
}
