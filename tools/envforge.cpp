// envforge: synthesize agent environments, run policies in them, verify and store transcripts.
#include <cstdio>
#include <cstring>
#include <string>

#include "config.h"
#include "common/errors.hpp"
#include "tools/cli/commands.hpp"

namespace {

struct Command {
    const char* name;
    int (*run)(int, char**);
    const char* summary;
};

const Command kCommands[] = {
    {"generate", envforge::cli::cmd_generate, "synthesize, validate and run in one go (the main job)"},
    {"synth", envforge::cli::cmd_synth, "synthesize tasks of one kind into the store"},
    {"validate", envforge::cli::cmd_validate, "check every task with its probes (reference passes, negatives fail)"},
    {"run", envforge::cli::cmd_run, "run a policy over stored tasks; resumes an interrupted run"},
    {"replay", envforge::cli::cmd_replay, "re-execute recorded tool calls and report differences"},
    {"export", envforge::cli::cmd_export, "write SFT/RL JSONL or task specs"},
    {"import", envforge::cli::cmd_import, "load task specs (JSONL) into the store"},
    {"merge", envforge::cli::cmd_merge, "merge the stores of a sharded job (each row exactly once)"},
    {"sandbox", envforge::cli::cmd_sandbox, "check host isolation support; run a command in the sandbox"},
    {"model", envforge::cli::cmd_model, "inspect a DSA checkpoint, print logits, sample, or make a random one"},
    {"serve", envforge::cli::cmd_serve, "serve a checkpoint over an OpenAI-compatible HTTP API"},
    {"tokenize", envforge::cli::cmd_tokenize, "encode text to DeepSeek token ids, or decode ids"},
    {"stats", envforge::cli::cmd_stats, "summarise tasks, runs and validations"},
    {"show", envforge::cli::cmd_show, "print one episode's transcript"},
    {"view", envforge::cli::cmd_view, "write a trajectory viewer that opens from disk in a browser"},
};

void print_usage(std::FILE* f) {
    std::fprintf(f,
                 "usage: envforge <command> [options]   (envforge <command> --help for details)\n\n"
                 "commands:\n");
    for (const auto& c : kCommands) std::fprintf(f, "  %-10s %s\n", c.name, c.summary);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
        print_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!std::strcmp(argv[1], "--version")) {
        std::printf("envforge %s\n", ENVFORGE_VERSION);
        return 0;
    }
    for (const auto& c : kCommands) {
        if (std::strcmp(argv[1], c.name) != 0) continue;
        try {
            return c.run(argc - 2, argv + 2);
        } catch (const envforge::InvalidInput& e) {
            std::fprintf(stderr, "envforge: %s\n", e.what());
        } catch (const envforge::IoError& e) {
            std::fprintf(stderr, "envforge: %s\n", e.what());
        } catch (const std::exception& e) {
            std::fprintf(stderr, "envforge: %s failed: %s\n", c.name, e.what());
        }
        return 2;
    }
    std::fprintf(stderr, "envforge: unknown command '%s' (see envforge --help)\n", argv[1]);
    return 2;
}
