// envforge model info | logits | generate | make-checkpoint: inspect a DSA checkpoint, print its
// logits for given ids (to check the engine against any other implementation), sample from it,
// or write a random-initialised one. `prompt` and `parse` (the chat encoding) are in
// cmd_model_chat.cpp.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/cpu_features.hpp"
#include "kernels/parallel.hpp"
#include "model/checkpoint_writer.hpp"
#include "model/sampler.hpp"
#include "model/transformer.hpp"
#include "model/weights.hpp"
#include "common/errors.hpp"
#include "common/json.hpp"
#include "tools/cli/args.hpp"
#include "tools/cli/commands.hpp"

namespace envforge::cli {

namespace {

std::vector<int32_t> parse_ids(const std::string& text) {
    std::vector<int32_t> ids;
    size_t i = 0;
    while (i < text.size()) {
        size_t j = text.find(',', i);
        if (j == std::string::npos) j = text.size();
        const std::string item = text.substr(i, j - i);
        char* end = nullptr;
        const long v = std::strtol(item.c_str(), &end, 10);
        if (item.empty() || *end || v < 0 || v > INT32_MAX)
            throw InvalidInput("--ids: '" + item + "' is not a token id (expected e.g. 1,2,3)");
        ids.push_back(static_cast<int32_t>(v));
        i = j + 1;
    }
    if (ids.empty()) throw InvalidInput("--ids: no token ids given");
    return ids;
}

std::string one_dir(const Args& a) {
    if (a.positional().size() != 1) throw InvalidInput("envforge model " + std::string("expects one checkpoint directory (see --help)"));
    return a.positional()[0];
}

model::EngineOptions engine_options(const Args& a) {
    model::EngineOptions o;
    o.dense = a.flag("dense");
    o.reference = a.flag("reference");
    o.cuda = cuda_device_option(a);
    if (a.has("topk")) o.index_topk = a.get_int("topk", 1, 1 << 30);
    return o;
}

int model_info(int argc, char** argv) {
    Args a("model info", "Print a checkpoint's configuration and parameter counts: envforge model info DIR",
           {{"json", nullptr, "print JSON", nullptr}}, argc, argv, true);
    if (a.print_help_if_asked()) return 0;
    const std::string dir = one_dir(a);
    model::Transformer t(dir);
    const model::ModelConfig& c = t.config();
    int64_t embed = 0, attn = 0, indexer = 0, dense_ffn = 0, experts = 0, shared = 0, router = 0, norms = 0;
    for (const auto& s : model::expected_tensors(c)) {
        int64_t n = 1;
        for (int64_t d : s.shape) n *= d;
        const std::string& k = s.name;
        if (k.find("embed_tokens") != std::string::npos || k.rfind("lm_head", 0) == 0) embed += n;
        else if (k.find(".indexer.") != std::string::npos) indexer += n;
        else if (k.find("self_attn") != std::string::npos) attn += n;
        else if (k.find(".experts.") != std::string::npos) experts += n;
        else if (k.find("shared_experts") != std::string::npos) shared += n;
        else if (k.find("mlp.gate.") != std::string::npos) router += n;
        else if (k.find(".mlp.") != std::string::npos) dense_ffn += n;
        else norms += n;
    }
    const int64_t total = t.n_params();
    const int64_t active = total - (c.n_routed_experts ? experts - experts / c.n_routed_experts * c.num_experts_per_tok : 0);
    const int64_t cache_per_token = c.num_hidden_layers * ((c.kv_lora_rank + c.qk_rope_head_dim) * 4 + c.index_head_dim * 2);
    Json j = Json::object({{"dir", dir},
                           {"config", model::config_to_json(c)},
                           {"parameters", total},
                           {"active_parameters_per_token", active},
                           {"by_part", Json::object({{"embedding_and_lm_head", embed},
                                                     {"attention_mla", attn},
                                                     {"indexer", indexer},
                                                     {"dense_ffn", dense_ffn},
                                                     {"routed_experts", experts},
                                                     {"shared_experts", shared},
                                                     {"router", router},
                                                     {"norms", norms}})},
                           {"weight_bytes", t.weight_bytes()},
                           {"cache_bytes_per_token", cache_per_token},
                           {"softmax_scale", c.softmax_scale()},
                           {"cpu_isa", kernels::isa_name(kernels::cpu_isa())},
                           {"threads", kernels::n_threads()}});
    if (a.flag("json")) {
        std::printf("%s\n", j.dump().c_str());
        return 0;
    }
    std::printf("checkpoint   %s\n", dir.c_str());
    std::printf("layers       %lld (%lld dense, %lld MoE), hidden %lld, heads %lld, vocab %lld\n", (long long)c.num_hidden_layers,
                (long long)(c.n_routed_experts ? c.first_k_dense_replace : c.num_hidden_layers),
                (long long)(c.n_routed_experts ? c.num_hidden_layers - c.first_k_dense_replace : 0), (long long)c.hidden_size,
                (long long)c.num_attention_heads, (long long)c.vocab_size);
    std::printf("MLA          q_lora %lld, kv_lora %lld, nope %lld, rope %lld, v %lld, softmax scale %.6g\n", (long long)c.q_lora_rank,
                (long long)c.kv_lora_rank, (long long)c.qk_nope_head_dim, (long long)c.qk_rope_head_dim, (long long)c.v_head_dim,
                c.softmax_scale());
    std::printf("indexer      %lld heads x %lld dims, top-k %lld\n", (long long)c.index_n_heads, (long long)c.index_head_dim,
                (long long)c.index_topk);
    if (c.n_routed_experts)
        std::printf("MoE          %lld routed (%lld per token, %lld groups, top %lld), %lld shared, inter %lld\n",
                    (long long)c.n_routed_experts, (long long)c.num_experts_per_tok, (long long)c.n_group, (long long)c.topk_group,
                    (long long)c.n_shared_experts, (long long)c.moe_intermediate_size);
    std::printf("parameters   %lld (%.1f M; %.1f M active per token)\n", (long long)total, total / 1e6, active / 1e6);
    for (const auto& m : j.at("by_part").as_object()) std::printf("  %-22s %lld\n", m.key.c_str(), (long long)m.value.as_int());
    std::printf("weights      %.1f MB; cache %lld bytes per token\n", t.weight_bytes() / 1e6, (long long)cache_per_token);
    std::printf("cpu          %s, %d threads\n", kernels::isa_name(kernels::cpu_isa()), kernels::n_threads());
    return 0;
}

int model_logits(int argc, char** argv) {
    Args a("model logits", "Print the logits of every position as JSON: envforge model logits DIR --ids 1,2,3",
           {{"ids", "IDS", "comma-separated token ids", nullptr},
            {"dense", nullptr, "full attention instead of DSA's top-k selection", nullptr},
            {"topk", "N", "override index_topk", nullptr},
            {"reference", nullptr, "use the plain-loop reference kernels", nullptr},
            kDeviceOption,
            {"selections", nullptr, "also print each position's selected tokens per layer", nullptr}},
           argc, argv, true);
    if (a.print_help_if_asked()) return 0;
    if (!a.has("ids")) throw InvalidInput("envforge model logits: --ids is required");
    const std::vector<int32_t> ids = parse_ids(a.get("ids"));
    model::Transformer t(one_dir(a), engine_options(a));
    t.record_selection = a.flag("selections");
    model::Sequence seq;
    const std::vector<float> logits = t.prefill(seq, ids, true, 1 << 30);
    const int64_t V = t.config().vocab_size;
    std::string out = "{\"ids\":[";
    for (size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
    out += "],\"vocab_size\":" + std::to_string(V) + ",\"logits\":[";
    char buf[32];
    for (size_t i = 0; i < ids.size(); ++i) {
        out += i ? ",[" : "[";
        for (int64_t v = 0; v < V; ++v) {
            std::snprintf(buf, sizeof buf, "%s%.9g", v ? "," : "", static_cast<double>(logits[i * V + v]));
            out += buf;
        }
        out += "]";
    }
    out += "]";
    if (t.record_selection) {
        out += ",\"selections\":[";
        for (size_t i = 0; i < t.last_selection.size(); ++i) {
            out += i ? ",[" : "[";
            for (size_t l = 0; l < t.last_selection[i].size(); ++l) {
                out += l ? ",[" : "[";
                const auto& sel = t.last_selection[i][l];
                for (size_t k = 0; k < sel.size(); ++k) out += (k ? "," : "") + std::to_string(sel[k]);
                out += "]";
            }
            out += "]";
        }
        out += "]";
    }
    out += "}\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

int model_generate(int argc, char** argv) {
    Args a("model generate", "Sample a continuation of --ids: envforge model generate DIR --ids 1,2,3",
           {{"ids", "IDS", "comma-separated prompt token ids", nullptr},
            {"max-new-tokens", "N", "tokens to generate", "16"},
            {"temperature", "T", "0 = greedy", "1.0"},
            {"top-p", "P", "nucleus mass", "0.95"},
            {"top-k", "K", "0 = no limit", "0"},
            {"seed", "S", "sampling seed", "1"},
            {"dense", nullptr, "full attention instead of DSA", nullptr},
            {"topk", "N", "override index_topk", nullptr},
            {"reference", nullptr, "use the plain-loop reference kernels", nullptr},
            kDeviceOption,
            {"json", nullptr, "print JSON", nullptr}},
           argc, argv, true);
    if (a.print_help_if_asked()) return 0;
    if (!a.has("ids")) throw InvalidInput("envforge model generate: --ids is required");
    const std::vector<int32_t> ids = parse_ids(a.get("ids"));
    // Every flag is checked before the checkpoint is loaded (which can take minutes).
    model::SamplingParams sp;
    sp.temperature = a.get_number("temperature", 0, 2);
    sp.top_p = top_p_option(a);
    sp.top_k = a.get_int("top-k", 0, 1 << 30);
    model::Sampler sampler(static_cast<uint64_t>(a.get_int("seed", 0, INT64_MAX)));
    const int64_t n_new = a.get_int("max-new-tokens", 1, 1 << 20);
    model::Transformer t(one_dir(a), engine_options(a));
    model::Sequence seq;
    auto t0 = std::chrono::steady_clock::now();
    std::vector<float> logits = t.prefill(seq, ids);
    auto t1 = std::chrono::steady_clock::now();
    std::vector<int32_t> out;
    for (int64_t i = 0; i < n_new; ++i) {
        const int32_t next = sampler.sample(logits, sp);
        out.push_back(next);
        if (i + 1 == n_new) break;
        model::Sequence* s = &seq;
        logits = t.decode(std::span<model::Sequence* const>(&s, 1), std::span<const int32_t>(&next, 1));
    }
    auto t2 = std::chrono::steady_clock::now();
    const double prefill_s = std::chrono::duration<double>(t1 - t0).count(), decode_s = std::chrono::duration<double>(t2 - t1).count();
    JsonArray arr;
    for (int32_t v : out) arr.emplace_back(static_cast<int64_t>(v));
    Json j = Json::object({{"prompt_tokens", static_cast<int64_t>(ids.size())},
                           {"generated", Json(std::move(arr))},
                           {"prefill_tokens_per_s", ids.size() / prefill_s},
                           {"decode_tokens_per_s", n_new > 1 ? (n_new - 1) / decode_s : 0.0}});
    std::printf("%s\n", j.dump().c_str());
    return 0;
}

int model_make_checkpoint(int argc, char** argv) {
    Args a("model make-checkpoint", "Write a random-initialised checkpoint in the HF layout.",
           {{"preset", "NAME", "tiny | small | moe-tiny", nullptr},
            {"config", "FILE", "a config.json to use instead of (or to override) the preset", nullptr},
            {"out", "DIR", "output directory", nullptr},
            {"seed", "S", "initialisation seed", "1"},
            {"dtype", "T", "bf16 | f32", "bf16"},
            {"vocab", "N", "vocabulary size (129280 to run with the DeepSeek tokenizer: --policy embedded, serve)", nullptr},
            {"shard-mb", "N",
             "split into shards of at most N MB (0 = one file; default: one file for tiny, 64 KB shards for moe-tiny, 200 MB for small)",
             nullptr}},
           argc, argv);
    if (a.print_help_if_asked()) return 0;
    if (!a.has("out")) throw InvalidInput("envforge model make-checkpoint: --out is required");
    if (!a.has("preset") && !a.has("config")) throw InvalidInput("envforge model make-checkpoint: give --preset or --config");
    model::ModelConfig c;
    std::string preset = a.get("preset");
    if (a.has("config")) {
        const std::string file = a.get("config");
        std::FILE* f = std::fopen(file.c_str(), "rb");
        if (!f) throw IoError("cannot read '" + file + "'");
        std::string text;
        char buf[4096];
        for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
        std::fclose(f);
        c = model::parse_config(Json::parse(text, file));
    } else {
        c = model::preset_config(preset);
    }
    if (a.has("vocab")) c.vocab_size = a.get_int("vocab", 2, 1 << 24);
    model::WriteOptions o;
    o.seed = static_cast<uint64_t>(a.get_int("seed", 0, INT64_MAX));
    const std::string dtype = a.get("dtype");
    if (dtype == "bf16") o.dtype = model::TensorDType::BF16;
    else if (dtype == "f32") o.dtype = model::TensorDType::F32;
    else throw InvalidInput("--dtype: expected bf16 or f32, got '" + dtype + "'");
    // moe-tiny is sharded by default so that the sharded path is what its tests load.
    o.max_shard_bytes = preset == "small" ? int64_t{200} << 20 : preset == "moe-tiny" ? int64_t{64} << 10 : 0;
    if (a.has("shard-mb")) o.max_shard_bytes = a.get_int("shard-mb", 0, 1 << 20) << 20;
    const int64_t params = model::write_random_checkpoint(c, a.get("out"), o);
    std::printf("wrote %s: %lld parameters (%.1f M)\n", a.get("out").c_str(), (long long)params, params / 1e6);
    return 0;
}

}  // namespace

int cmd_model(int argc, char** argv) {
    const char* sub = argc >= 1 ? argv[0] : "";
    if (!std::strcmp(sub, "info")) return model_info(argc - 1, argv + 1);
    if (!std::strcmp(sub, "logits")) return model_logits(argc - 1, argv + 1);
    if (!std::strcmp(sub, "generate")) return model_generate(argc - 1, argv + 1);
    if (!std::strcmp(sub, "make-checkpoint")) return model_make_checkpoint(argc - 1, argv + 1);
    if (!std::strcmp(sub, "prompt")) return model_prompt(argc - 1, argv + 1);
    if (!std::strcmp(sub, "parse")) return model_parse(argc - 1, argv + 1);
    if (!std::strcmp(sub, "--help") || !std::strcmp(sub, "-h")) {
        std::printf(
            "usage: envforge model info DIR | logits DIR --ids 1,2,3 [--dense] | generate DIR --ids ... |\n"
            "       make-checkpoint --preset tiny|small|moe-tiny --out DIR [--seed S] |\n"
            "       prompt REQUEST.json [--mode chat] [--ids] | parse COMPLETION.txt [--mode chat]\n");
        return 0;
    }
    throw InvalidInput("envforge model: expected info, logits, generate, make-checkpoint, prompt or parse (see envforge model --help)");
}

}  // namespace envforge::cli
