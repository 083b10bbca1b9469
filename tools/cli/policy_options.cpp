#include "tools/cli/policy_options.hpp"

#include "model/embedded_policy.hpp"
#include "model/openai_policy.hpp"
#include "common/errors.hpp"
#include "tasks/scripted_policy.hpp"

namespace envforge::cli {

std::vector<OptSpec> policy_option_specs() {
    return {{"model", "DIR|NAME", "embedded: checkpoint directory; openai: the model name to request", nullptr},
            {"tokenizer", "FILE", "embedded: tokenizer.json (default: DeepSeek-V3.2's, fetched by tools/install-deps)", nullptr},
            {"max-new-tokens", "N", "embedded/openai: tokens per assistant turn", "1024"},
            {"temperature", "T", "embedded/openai: sampling temperature (0 = greedy)", "1.0"},
            {"top-p", "P", "embedded/openai: nucleus mass", "0.95"},
            {"thinking", "on|off", "embedded: DeepSeek-V3.2 thinking mode", "on"},
            {"dense", nullptr, "embedded: full attention instead of DSA", nullptr},
            {"device", "cpu|cuda|auto", "embedded: where the model runs (cuda: the GPU forward pass; auto: cuda where usable)", "cpu"},
            {"max-batch", "N", "embedded: sequences decoded together", "32"},
            {"base-url", "URL", "openai: server base URL, e.g. http://127.0.0.1:8000/v1", nullptr},
            {"api-key-env", "VAR", "openai: environment variable holding the API key (never stored)", "OPENAI_API_KEY"},
            {"request-timeout", "S", "openai: seconds per request", "600"},
            {"max-retries", "N", "openai: retries on 429, 5xx and timeouts", "5"}};
}

void check_policy_name(const std::string& name) {
    if (name != "reference" && name != "null" && name != "embedded" && name != "openai")
        throw InvalidInput("--policy '" + name + "': expected reference, null, embedded or openai");
}

Json policy_options(const Args& a, const std::string& policy) {
    Json o = Json::object();
    if (a.has("device") && policy != "embedded") throw InvalidInput("--device applies to --policy embedded only");
    if (policy == "embedded") {
        if (!a.has("model")) throw InvalidInput("--policy embedded needs --model DIR (a checkpoint; tools/make-checkpoint makes one)");
        o.set("model", a.get("model"));
        if (a.has("tokenizer")) o.set("tokenizer", a.get("tokenizer"));
        o.set("thinking", a.get("thinking") != "off");
        o.set("dense", a.flag("dense"));
        if (cuda_device_option(a)) o.set("device", "cuda");
        o.set("max_batch", a.get_int("max-batch", 1, 1024));
    } else if (policy == "openai") {
        if (!a.has("base-url") || !a.has("model")) throw InvalidInput("--policy openai needs --base-url URL and --model NAME");
        o.set("base_url", a.get("base-url"));
        o.set("model", a.get("model"));
        o.set("api_key_env", a.get("api-key-env"));
        o.set("request_timeout", a.get_number("request-timeout", 0.1, 86400));
        o.set("max_retries", a.get_int("max-retries", 0, 100));
    } else {
        return o;
    }
    if (a.get("thinking") != "on" && a.get("thinking") != "off") throw InvalidInput("--thinking: expected on or off");
    o.set("max_new_tokens", a.get_int("max-new-tokens", 1, 1 << 20));
    o.set("temperature", a.get_number("temperature", 0, 2));
    o.set("top_p", top_p_option(a));
    return o;
}

std::unique_ptr<Policy> make_policy(const std::string& name, const Json& o) {
    check_policy_name(name);
    if (name == "reference") return make_reference_policy();
    if (name == "null") return make_null_policy();
    if (name == "embedded") {
        model::EmbeddedOptions e;
        e.model_dir = o.get_string("model");
        e.tokenizer = o.get_string("tokenizer");
        e.mode = o.get_bool("thinking", true) ? model::ThinkingMode::Thinking : model::ThinkingMode::Chat;
        e.sampling = {o.get_number("temperature", 1.0), o.get_number("top_p", 0.95), 0};
        e.max_new_tokens = o.get_int("max_new_tokens", 1024);
        e.max_batch = static_cast<int>(o.get_int("max_batch", 32));
        e.engine.dense = o.get_bool("dense", false);
        e.engine.cuda = o.get_string("device", "cpu") == "cuda";
        return model::make_embedded_policy(e);
    }
    model::OpenAiOptions p;
    p.base_url = o.get_string("base_url");
    p.model = o.get_string("model");
    p.api_key_env = o.get_string("api_key_env", "OPENAI_API_KEY");
    p.temperature = o.get_number("temperature", 1.0);
    p.top_p = o.get_number("top_p", 0.95);
    p.max_tokens = o.get_int("max_new_tokens", 1024);
    p.request_timeout = o.get_number("request_timeout", 600);
    p.max_retries = static_cast<int>(o.get_int("max_retries", 5));
    return model::make_openai_policy(p);
}

}  // namespace envforge::cli
