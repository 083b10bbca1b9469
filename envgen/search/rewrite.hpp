// Model-written questions (`synth search --llm`): what a model is asked to rewrite a procedural
// question into natural words, and the checks its reply must pass before a second pass, in which
// a model answers the rewrite with the environment's own tools, decides whether it is kept.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tasks/message.hpp"
#include "tasks/task.hpp"

namespace envforge::search {

// "What is X? Answer with just the name or number." -> {"What is X?", " Answer with just the
// name or number."}: only the question is rewritten; the instruction stays as the task has it.
std::pair<std::string, std::string> split_question(const std::string& prompt);

// The system and user messages of the rewrite request.
std::vector<Message> rewrite_messages(const std::string& question);

// What a rewrite must keep of the question: the names (runs of capitalised words after the first
// word), every number, and the entity a facts question starts from; or, where the task lists
// them (verifier.must_keep), those of the list that the question holds.
std::vector<std::string> must_keep(const Task& task, const std::string& question);

// The question in a reply: trimmed, one pair of surrounding quotes dropped.
std::string clean_rewrite(std::string_view reply);

// "" when `rewrite` (cleaned) can stand for `question`; else why not, in a few words: empty,
// more than one line, markup, too long, not a question, gives the answer away, drops a name or
// number, or unchanged.
std::string rewrite_problem(std::string_view question, std::string_view rewrite, std::string_view answer,
                            const std::vector<std::string>& keep);

}  // namespace envforge::search
