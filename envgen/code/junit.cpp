// Reading the runner's JUnit report: strict about nothing, since the report's text comes from the
// tests' own messages, and fuzzed (tests/fuzz/fuzz_junit.cpp).
#include "envgen/code/junit.hpp"

#include "envgen/code/code_project.hpp"

namespace envforge::code {

namespace {

std::string unescape_xml(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '&') {
            out += s[i];
            continue;
        }
        const size_t semi = s.find(';', i);
        if (semi == std::string_view::npos) {
            out += s[i];
            continue;
        }
        const std::string_view ent = s.substr(i + 1, semi - i - 1);
        if (ent == "lt") out += '<';
        else if (ent == "gt") out += '>';
        else if (ent == "amp") out += '&';
        else if (ent == "quot") out += '"';
        else if (ent == "apos") out += '\'';
        else if (!ent.empty() && ent[0] == '#') {
            const long cp = ent.size() > 1 && ent[1] == 'x' ? std::strtol(std::string(ent.substr(2)).c_str(), nullptr, 16)
                                                            : std::strtol(std::string(ent.substr(1)).c_str(), nullptr, 10);
            if (cp < 0x80) out += static_cast<char>(cp);
            else out += "?";
        } else {
            out += '&';
            continue;
        }
        i = semi;
    }
    return out;
}

}  // namespace

std::string junit_attr(std::string_view tag, std::string_view name) {
    for (size_t at = tag.find(name); at != std::string_view::npos; at = tag.find(name, at + 1)) {
        if (at == 0 || tag[at - 1] != ' ' || tag.size() < at + name.size() + 2 || tag[at + name.size()] != '=') continue;
        const char quote = tag[at + name.size() + 1];
        if (quote != '"' && quote != '\'') continue;
        const size_t b = at + name.size() + 2, e = tag.find(quote, b);
        if (e == std::string_view::npos) return "";
        return unescape_xml(tag.substr(b, e - b));
    }
    return "";
}

// The runner's JUnit XML: <testcase id status time> with an optional failure/error/skipped child
// (reports without `status` or `id`, as other runners write them, are read from the children
// and from classname + name).
std::vector<TestOutcome> parse_junit(std::string_view xml) {
    std::vector<TestOutcome> out;
    for (size_t i = xml.find("<testcase"); i != std::string_view::npos; i = xml.find("<testcase", i + 1)) {
        const size_t close = xml.find("</testcase>", i);
        const std::string_view block = xml.substr(i, close == std::string_view::npos ? std::string_view::npos : close - i);
        const std::string_view open = block.substr(0, block.find('>'));
        TestOutcome t;
        t.id = junit_attr(open, "id");
        if (t.id.empty()) {
            const std::string cls = junit_attr(open, "classname"), name = junit_attr(open, "name");
            t.id = cls.empty() ? name : cls + "." + name;
        }
        t.seconds = std::atof(junit_attr(open, "time").c_str());
        t.status = "passed";
        for (const char* kind : {"failure", "error", "skipped"})
            if (const size_t k = block.find(std::string("<") + kind); k != std::string_view::npos) {
                t.status = std::string(kind) == "failure" ? "failed" : kind;
                t.message = junit_attr(block.substr(k, block.find('>', k) - k), "message");
            }
        if (const std::string status = junit_attr(open, "status"); !status.empty()) t.status = status;
        out.push_back(std::move(t));
    }
    return out;
}

}  // namespace envforge::code
