#include "envgen/code/git_history.hpp"

#include <algorithm>
#include <cctype>
#include <fnmatch.h>
#include <map>
#include <tuple>

#include "common/errors.hpp"
#include "common/subprocess.hpp"

namespace envforge::code {

namespace {

bool under(const std::string& path, const std::string& dir) {
    if (dir.empty() || dir == ".") return true;
    return path == dir || path.rfind(dir + "/", 0) == 0;
}

std::string base_name(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Splits "A\tB\tC" into its three fields ("" where missing).
std::vector<std::string> tabs(const std::string& s) {
    std::vector<std::string> out;
    size_t i = 0;
    for (;;) {
        const size_t t = s.find('\t', i);
        out.push_back(s.substr(i, t == std::string::npos ? std::string::npos : t - i));
        if (t == std::string::npos) break;
        i = t + 1;
    }
    return out;
}

// The numstat entries that follow a commit's header in `git log --numstat -z` output.
std::vector<FileChange> parse_numstat(const std::string& body) {
    std::vector<FileChange> out;
    size_t i = body.empty() || body[0] != '\n' ? 0 : 1;
    auto token = [&](std::string& t) {
        const size_t z = body.find('\0', i);
        if (z == std::string::npos) return false;
        t = body.substr(i, z - i);
        i = z + 1;
        return true;
    };
    std::string entry;
    while (i < body.size() && token(entry)) {
        if (entry.empty() || entry == "\n") continue;
        const auto f = tabs(entry);
        if (f.size() < 3) continue;
        FileChange c;
        c.binary = f[0] == "-";
        c.added = c.binary ? 0 : std::atoi(f[0].c_str());
        c.removed = c.binary ? 0 : std::atoi(f[1].c_str());
        if (f[2].empty()) {  // a rename: the old and the new path follow as their own entries
            if (!token(c.old_path) || !token(c.path)) break;
            c.status = 'R';
        } else {
            c.path = f[2];
        }
        out.push_back(std::move(c));
    }
    return out;
}

// Blobs of `rev`'s tree: path -> object id (symlinks and submodules left out).
std::map<std::string, std::string> tree_blobs(const std::string& repo, const std::string& rev) {
    const std::string listing = git(repo, {"ls-tree", "-r", "-z", "--full-tree", rev});
    std::map<std::string, std::string> out;
    size_t i = 0;
    while (i < listing.size()) {
        const size_t z = listing.find('\0', i);
        const std::string e = listing.substr(i, z == std::string::npos ? std::string::npos : z - i);
        i = z == std::string::npos ? listing.size() : z + 1;
        const size_t tab = e.find('\t');
        if (tab == std::string::npos) continue;
        const std::string mode = e.substr(0, 6), type = e.substr(7, 4);
        if (type != "blob" || mode == "120000") continue;
        const size_t sp = e.rfind(' ', tab);
        out[e.substr(tab + 1)] = e.substr(sp + 1, tab - sp - 1);
    }
    return out;
}

// Object contents by `git cat-file --batch`, in the order asked; "" marks a missing object.
std::vector<std::pair<bool, std::string>> cat_files(const std::string& repo, const std::vector<std::string>& objects) {
    std::string input;
    for (const auto& o : objects) input += o + "\n";
    const std::string out = git(repo, {"cat-file", "--batch"}, input);
    std::vector<std::pair<bool, std::string>> result;
    size_t i = 0;
    for (size_t k = 0; k < objects.size() && i < out.size(); ++k) {
        const size_t nl = out.find('\n', i);
        const std::string header = out.substr(i, nl - i);
        i = nl + 1;
        if (header.ends_with(" missing") || header.ends_with(" ambiguous")) {
            result.emplace_back(false, "");
            continue;
        }
        const size_t size = std::stoull(header.substr(header.rfind(' ') + 1));
        result.emplace_back(true, out.substr(i, size));
        i += size + 1;  // the contents end with a newline of the protocol's
    }
    if (result.size() != objects.size())
        throw IoError("git cat-file: " + std::to_string(result.size()) + " of " + std::to_string(objects.size()) + " objects read");
    return result;
}

// The commit's versions of `changes` laid over `tree` (renamed files leave their old path).
void apply_changes(Files& tree, const std::string& repo, const std::string& commit, const std::vector<FileChange>& changes) {
    std::vector<std::string> objects;
    for (const auto& c : changes) objects.push_back(commit + ":" + c.path);
    const auto contents = cat_files(repo, objects);
    for (size_t k = 0; k < changes.size(); ++k) {
        if (!changes[k].old_path.empty()) tree.erase(changes[k].old_path);
        if (contents[k].first) tree[changes[k].path] = contents[k].second;
        else tree.erase(changes[k].path);  // deleted by the commit
    }
}

std::string diff_of(const std::string& repo, const Candidate& c, const std::vector<FileChange>& files) {
    if (files.empty()) return "";
    std::vector<std::string> args = {"diff",     "--no-ext-diff", "--no-textconv", "--no-color", "-M",
                                     "--binary", c.commit.parent, c.commit.hash,   "--"};
    for (const auto& f : files) {
        args.push_back(":(literal)" + f.path);
        if (!f.old_path.empty()) args.push_back(":(literal)" + f.old_path);
    }
    return git(repo, args);
}

bool ident_char(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; }

// Whether `word` occurs in `text` with no identifier character on either side.
bool has_word(const std::string& text, const std::string& word) {
    for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
        const bool left = at == 0 || !ident_char(text[at - 1]);
        const bool right = at + word.size() >= text.size() || !ident_char(text[at + word.size()]);
        if (left && right) return true;
    }
    return false;
}

bool common_word(const std::string& w) {
    static const std::set<std::string> words = {
        "and",     "def",    "del",    "elif",  "else",     "for",    "from",     "import",     "not",   "pass",   "return",
        "self",    "try",    "while",  "with",  "yield",    "None",   "True",     "False",      "class", "raise",  "except",
        "finally", "lambda", "assert", "break", "continue", "global", "nonlocal", "async",      "await", "len",    "int",
        "str",     "list",   "dict",   "set",   "tuple",    "range",  "print",    "isinstance", "type",  "object", "super",
        "cls",     "args",   "kwargs", "value", "result",   "bool",   "float"};
    return words.count(w) > 0;
}

}  // namespace

bool test_file_name(const std::string& name, const std::vector<std::string>& patterns) {
    for (const auto& p : patterns)
        if (fnmatch(p.c_str(), name.c_str(), 0) == 0) return true;
    return false;
}

FileRole file_role(const std::string& path, const HistoryRules& rules) {
    // Everything under a test directory belongs to the tests: data-driven suites keep their
    // cases in fixture files (tomli's tests/data/*.toml), and SWE-bench's test_patch has them.
    for (const auto& d : rules.test_dirs)
        if (!d.empty() && d != "." && under(path, d)) return FileRole::Test;
    if (!path.ends_with(".py")) return FileRole::Other;
    if (test_file_name(base_name(path), rules.test_patterns)) return FileRole::Test;
    for (const auto& d : rules.source_dirs)
        if (under(path, d)) return FileRole::Source;
    return FileRole::Other;
}

std::string git(const std::string& repo, std::vector<std::string> args, const std::string& input) {
    std::vector<std::string> argv = {
        "git", "-c", "core.fsmonitor=false", "-c", "core.quotepath=off", "-c", "diff.external=", "-c", "safe.directory=*", "-C", repo};
    argv.insert(argv.end(), args.begin(), args.end());
    const CommandResult r = run_command(argv, "", input, {"GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0"});
    if (!r.ok()) {
        std::string msg = r.err.substr(0, r.err.find('\n'));
        throw InvalidInput("git " + (args.empty() ? "" : args[0]) + " in '" + repo +
                           "': " + (msg.empty() ? "exit " + std::to_string(r.exit_code) : msg));
    }
    return r.out;
}

std::vector<Commit> scan_history(const std::string& repo, const std::string& range, size_t max_commits) {
    std::vector<std::string> args = {
        "log", "--first-parent", "--diff-merges=first-parent", "-M", "--numstat", "-z", "--format=%x1e%H%x1f%P%x1f%ct%x1f%s"};
    if (max_commits > 0) args.push_back("--max-count=" + std::to_string(max_commits));
    args.push_back(range.empty() ? "HEAD" : range);
    args.push_back("--");
    const std::string out = git(repo, args);
    std::vector<Commit> commits;
    size_t i = 0;
    while ((i = out.find('\x1e', i)) != std::string::npos) {
        const size_t next = out.find('\x1e', i + 1);
        const std::string rec = out.substr(i + 1, next == std::string::npos ? std::string::npos : next - i - 1);
        i = next == std::string::npos ? out.size() : next;
        const size_t z = rec.find('\0');
        const std::string header = rec.substr(0, z);
        std::vector<std::string> f;
        for (size_t a = 0;;) {
            const size_t b = header.find('\x1f', a);
            f.push_back(header.substr(a, b == std::string::npos ? std::string::npos : b - a));
            if (b == std::string::npos) break;
            a = b + 1;
        }
        if (f.size() < 4) continue;
        Commit c;
        c.hash = f[0];
        c.parent = f[1].substr(0, f[1].find(' '));
        c.time = std::atoll(f[2].c_str());
        c.subject = f[3];
        if (z != std::string::npos) c.files = parse_numstat(rec.substr(z + 1));
        commits.push_back(std::move(c));
    }
    return commits;
}

std::string candidate_of(const Commit& c, const HistoryRules& rules, Candidate& out) {
    out = Candidate{};
    out.commit = c;
    if (c.parent.empty()) return "root_commit";
    for (const auto& f : c.files) {
        FileRole role = file_role(f.path, rules);
        if (!f.old_path.empty() && file_role(f.old_path, rules) == FileRole::Test) role = FileRole::Test;
        if (role == FileRole::Other) {
            out.dropped.push_back(f.path);
            continue;
        }
        if (f.binary && role == FileRole::Source) return "binary_change";
        if (role == FileRole::Test) out.tests.push_back(f);
        else {
            out.source.push_back(f);
            out.source_lines += f.added + f.removed;
        }
    }
    if (out.source.empty()) return "no_source_change";
    if (out.tests.empty()) return "no_test_change";
    if (static_cast<int>(out.source.size()) > rules.max_source_files) return "too_many_files";
    if (out.source_lines > rules.max_source_lines) return "too_many_lines";
    return "";
}

std::pair<std::string, std::string> split_patches(const std::string& repo, const Candidate& c) {
    return {diff_of(repo, c, c.source), diff_of(repo, c, c.tests)};
}

CandidateTrees candidate_trees(const std::string& repo, const Candidate& c) {
    CandidateTrees t;
    const auto blobs = tree_blobs(repo, c.commit.parent);
    std::vector<std::string> paths, objects;
    for (const auto& [path, id] : blobs) {
        if (path.find("__pycache__/") != std::string::npos || path.ends_with(".pyc")) continue;
        paths.push_back(path);
        objects.push_back(id);
    }
    const auto contents = cat_files(repo, objects);
    for (size_t k = 0; k < paths.size(); ++k) t.base[paths[k]] = contents[k].second;
    t.with_tests = t.base;
    apply_changes(t.with_tests, repo, c.commit.hash, c.tests);
    t.gold = t.with_tests;
    apply_changes(t.gold, repo, c.commit.hash, c.source);
    std::tie(t.patch, t.test_patch) = split_patches(repo, c);
    for (size_t at = 0; (at = t.patch.find("\n@@ ", at)) != std::string::npos; ++at) ++t.hunks;
    if (t.patch.rfind("@@ ", 0) == 0) ++t.hunks;
    return t;
}

FixTokens fix_tokens(const CandidateTrees& t, const Candidate& c) {
    FixTokens fix;
    std::string base_text, removed, added_tests;
    for (const auto& f : c.source) {
        const std::string& old = f.old_path.empty() ? f.path : f.old_path;
        if (auto it = t.base.find(old); it != t.base.end()) base_text += it->second + "\n";
    }
    std::vector<std::string> added;
    auto lines_of = [](const std::string& patch, char sign, auto&& each) {
        size_t i = 0;
        while (i < patch.size()) {
            size_t nl = patch.find('\n', i);
            if (nl == std::string::npos) nl = patch.size();
            const std::string line = patch.substr(i, nl - i);
            i = nl + 1;
            if (line.size() > 0 && line[0] == sign && line.rfind(std::string(3, sign), 0) != 0) each(line.substr(1));
        }
    };
    lines_of(t.patch, '+', [&](const std::string& l) { added.push_back(l); });
    lines_of(t.patch, '-', [&](const std::string& l) { removed += l + "\n"; });
    lines_of(t.test_patch, '+', [&](const std::string& l) { added_tests += l + "\n"; });
    for (const std::string& line : added) {
        // identifiers new to the changed files and not named by the new tests
        for (size_t i = 0; i < line.size();) {
            if (!(std::isalpha(static_cast<unsigned char>(line[i])) || line[i] == '_')) {
                ++i;
                continue;
            }
            size_t e = i;
            while (e < line.size() && ident_char(line[e])) ++e;
            const std::string w = line.substr(i, e - i);
            i = e;
            if (w.size() >= 3 && !common_word(w) && !has_word(base_text, w) && !has_word(added_tests, w)) fix.identifiers.insert(w);
        }
        // string literals of three or more characters, and numbers of two or more digits
        for (char q : {'"', '\''})
            for (size_t a = line.find(q); a != std::string::npos; a = line.find(q, a + 1)) {
                const size_t b = line.find(q, a + 1);
                if (b == std::string::npos) break;
                const std::string lit = line.substr(a + 1, b - a - 1);
                if (lit.size() >= 3 && removed.find(lit) == std::string::npos && added_tests.find(lit) == std::string::npos)
                    fix.literals.insert(lit);
                a = b;
            }
        for (size_t i = 0; i < line.size();) {
            if (!std::isdigit(static_cast<unsigned char>(line[i])) || (i > 0 && ident_char(line[i - 1]))) {
                ++i;
                continue;
            }
            size_t e = i;
            while (e < line.size() && (std::isdigit(static_cast<unsigned char>(line[e])) || line[e] == '.')) ++e;
            const std::string num = line.substr(i, e - i);
            i = e;
            if (num.size() >= 2 && !has_word(removed, num) && !has_word(added_tests, num)) fix.literals.insert(num);
        }
        std::string trimmed = line;
        trimmed.erase(0, trimmed.find_first_not_of(" \t"));
        while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) trimmed.pop_back();
        if (trimmed.size() >= 12 && base_text.find(trimmed) == std::string::npos) fix.lines.insert(trimmed);
    }
    return fix;
}

std::string leak_in(const std::string& text, const FixTokens& fix) {
    for (const auto& w : fix.identifiers)
        if (has_word(text, w)) return "the identifier '" + w + "'";
    for (const auto& l : fix.literals) {
        const bool number = std::isdigit(static_cast<unsigned char>(l[0]));
        if (number ? has_word(text, l) : text.find(l) != std::string::npos) return "the literal '" + l + "'";
    }
    for (const auto& l : fix.lines)
        if (text.find(l) != std::string::npos) return "the line '" + l + "'";
    return "";
}

int fix_difficulty(const Candidate& c, int hunks) {
    const int files = static_cast<int>(c.source.size());
    const int score = c.source_lines + 4 * std::max(0, hunks - 1) + 10 * std::max(0, files - 1);
    return score <= 4 ? 1 : score <= 10 ? 2 : score <= 25 ? 3 : score <= 60 ? 4 : 5;
}

}  // namespace envforge::code
