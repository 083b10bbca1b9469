#include "envgen/search/rewrite.hpp"

#include <algorithm>
#include <cctype>

#include "envgen/search/questions.hpp"

namespace envforge::search {

namespace {

bool contains_words(std::string_view haystack, std::string_view needle) {
    // Both normalised: word boundaries are single spaces, so " x " finds whole words only.
    if (needle.empty()) return false;
    const std::string h = " " + normalize_answer(haystack) + " ";
    const std::string n = " " + normalize_answer(needle) + " ";
    return n.size() > 2 && h.find(n) != std::string::npos;
}

bool capitalised(std::string_view w) { return !w.empty() && std::isupper(static_cast<unsigned char>(w[0])); }

}  // namespace

std::pair<std::string, std::string> split_question(const std::string& prompt) {
    const size_t q = prompt.find('?');
    if (q == std::string::npos) return {prompt, ""};
    return {prompt.substr(0, q + 1), prompt.substr(q + 1)};
}

std::vector<Message> rewrite_messages(const std::string& question) {
    return {Message::system("You rewrite quiz questions so they read as a curious person would ask them. Keep every name, number, "
                            "relation and condition of the original; add nothing and leave nothing out; do not answer it or hint at "
                            "the answer. Reply with the rewritten question only, on one line, ending with a question mark."),
            Message::user("Rewrite this question:\n" + question)};
}

std::vector<std::string> must_keep(const Task& task, const std::string& question) {
    std::vector<std::string> keep;
    // A generator that knows what its question depends on says so (interp --data: file and
    // column names, values, numbers); capitalised words mean nothing there.
    if (const Json* listed = task.verifier.find("must_keep"); listed && listed->is_array()) {
        for (const Json& k : listed->as_array())
            if (k.is_string() && question.find(k.as_string()) != std::string::npos) keep.push_back(k.as_string());
        return keep;
    }
    // Words as written, punctuation trimmed from their ends.
    std::vector<std::string> words;
    std::string w;
    for (char c : question + " ") {
        if (c == ' ') {
            while (!w.empty() && std::ispunct(static_cast<unsigned char>(w.back())) && w.back() != ')') w.pop_back();
            if (!w.empty()) words.push_back(w);
            w.clear();
        } else {
            w += c;
        }
    }
    std::string run;
    for (size_t i = 1; i <= words.size(); ++i) {
        const bool cap = i < words.size() && capitalised(words[i]);
        if (cap) run += (run.empty() ? "" : " ") + words[i];
        if ((!cap || i == words.size()) && !run.empty()) {
            keep.push_back(run);
            run.clear();
        }
    }
    for (const auto& word : words)
        if (std::all_of(word.begin(), word.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) keep.push_back(word);
    if (const Json* path = task.verifier.find("path"); path && path->is_array() && path->size())
        keep.push_back(path->as_array()[0].get_string("subject"));
    return keep;
}

std::string clean_rewrite(std::string_view reply) {
    std::string s(reply);
    const auto blank = [](unsigned char c) { return std::isspace(c) != 0; };
    while (!s.empty() && blank(static_cast<unsigned char>(s.front()))) s.erase(s.begin());
    while (!s.empty() && blank(static_cast<unsigned char>(s.back()))) s.pop_back();
    if (s.size() >= 2 && ((s.front() == '"' && s.back() == '"') || (s.front() == '\'' && s.back() == '\''))) s = s.substr(1, s.size() - 2);
    return s;
}

std::string rewrite_problem(std::string_view question, std::string_view rewrite, std::string_view answer,
                            const std::vector<std::string>& keep) {
    if (rewrite.empty()) return "empty";
    if (rewrite.find('\n') != std::string_view::npos) return "more than one line";
    for (const char* markup : {"<think>", "</", "```", "{\"", "<|"})
        if (rewrite.find(markup) != std::string_view::npos) return "markup in the reply";
    if (rewrite.size() > std::max<size_t>(300, 3 * question.size())) return "too long";
    if (rewrite.back() != '?') return "not a question";
    if (normalize_answer(rewrite) == normalize_answer(question)) return "unchanged";
    if (contains_words(rewrite, answer) && !contains_words(question, answer)) return "gives the answer away";
    // Longest first, each found one taken out before the next is looked for: a name inside
    // another ("weather" in the file name "seattle-weather.csv") must also appear on its own.
    std::vector<std::string> wanted(keep.begin(), keep.end());
    std::sort(wanted.begin(), wanted.end(),
              [](const std::string& a, const std::string& b) { return a.size() != b.size() ? a.size() > b.size() : a < b; });
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    std::string rest = " " + normalize_answer(rewrite) + " ";
    for (const auto& k : wanted) {
        const std::string n = " " + normalize_answer(k) + " ";
        const size_t at = n.size() > 2 ? rest.find(n) : std::string::npos;
        if (at == std::string::npos) return "drops '" + k + "'";
        rest.replace(at, n.size(), "  ");
    }
    return "";
}

}  // namespace envforge::search
